/**
 * Read SSE text through the independent eventsource-parser, never our own encoder: all of it at once
 * ({@link parseSseText}), or a response over a real HTTP connection as it arrives ({@link openSse}).
 * Every wait is bounded and names what it waited for.
 */
import { request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { createParser } from 'eventsource-parser';

/** One thing an event stream holds, in order: an event, a comment or a `retry` field. */
export type SseTextItem =
  | { kind: 'event'; event: string | undefined; id: string | undefined; data: string }
  | { kind: 'comment'; text: string }
  | { kind: 'retry'; ms: number };

/** One thing seen on a live stream, with the time it was parsed. */
export type SseItem = SseTextItem & { at: number };

/** Feed text in pieces; each complete item is reported once. `onError` gets what the parser refused. */
function createItemParser(onItem: (item: SseTextItem) => void, onError: (error: Error) => void) {
  return createParser({
    onEvent: ({ event, id, data }) => onItem({ kind: 'event', event, id, data }),
    onComment: (text) => onItem({ kind: 'comment', text }),
    onRetry: (ms) => onItem({ kind: 'retry', ms }),
    onError,
  });
}

/**
 * Everything in `text`, in order. A line the parser refuses (an unknown field, a bad `retry`) throws:
 * our encoder must never write one.
 */
export function parseSseText(text: string): SseTextItem[] {
  const items: SseTextItem[] = [];
  const parser = createItemParser(
    (item) => items.push(item),
    (error) => {
      throw error;
    },
  );
  parser.feed(text);
  return items;
}

/** An open SSE (or error) response. */
export interface SseConnection {
  status: number;
  headers: IncomingHttpHeaders;
  /** Everything parsed so far. */
  items: SseItem[];
  /** Raw body bytes received so far. */
  bytes: () => Buffer;
  /** Whether the server finished the response (socket end after the body). */
  readonly isClosed: boolean;
  /** Whether the response was cut (aborted) rather than finished. */
  readonly isAborted: boolean;
  /** Wait until `predicate` holds for the items seen so far. */
  waitFor(what: string, predicate: (items: SseItem[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Wait for the response to end (finished or cut). */
  waitForClose(timeoutMs?: number): Promise<void>;
  /** Events only, optionally of one type. */
  events(type?: string): Extract<SseItem, { kind: 'event' }>[];
  /** Stop reading (the TCP stream fills, the server sees backpressure). */
  pause(): void;
  resume(): void;
  /** Hang up. */
  destroy(): void;
  response: IncomingMessage;
}

/** Open `url` with optional headers and start parsing. */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      const items: SseItem[] = [];
      const chunks: Buffer[] = [];
      const waiters = new Set<() => void>();
      let isClosed = false;
      let isAborted = false;
      const notify = (): void => {
        for (const wake of waiters) wake();
      };
      // A stream that breaks the grammar is still recorded as far as it parses; the test's own
      // assertions on `items` then fail, with the server's bytes at hand in `bytes()`.
      const parser = createItemParser(
        (item) => items.push({ ...item, at: Date.now() }),
        () => undefined,
      );
      // One decoder for the whole body: a character whose bytes span two TCP chunks must not become
      // two U+FFFD, as decoding each chunk on its own would make it.
      const decoder = new TextDecoder('utf-8');
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        parser.feed(decoder.decode(chunk, { stream: true }));
        notify();
      });
      res.on('end', () => parser.feed(decoder.decode()));
      res.on('aborted', () => (isAborted = true));
      res.on('error', () => (isAborted = true));
      res.on('close', () => {
        isClosed = true;
        if (!res.complete) isAborted = true;
        notify();
      });

      const waitUntil = (what: string, done: () => boolean, timeoutMs: number): Promise<void> =>
        new Promise((ok, fail) => {
          if (done()) return ok();
          const timer = setTimeout(() => {
            waiters.delete(check);
            fail(
              new Error(
                `timed out after ${timeoutMs} ms waiting for ${what}; saw ${JSON.stringify(items.slice(-5))}`,
              ),
            );
          }, timeoutMs);
          const check = (): void => {
            if (done()) {
              clearTimeout(timer);
              waiters.delete(check);
              ok();
            } else if (isClosed && what !== 'close') {
              clearTimeout(timer);
              waiters.delete(check);
              fail(
                new Error(`stream closed while waiting for ${what}; saw ${JSON.stringify(items.slice(-5))}`),
              );
            }
          };
          waiters.add(check);
        });

      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        items,
        bytes: () => Buffer.concat(chunks),
        get isClosed() {
          return isClosed;
        },
        get isAborted() {
          return isAborted;
        },
        waitFor: (what, predicate, timeoutMs = 5000) => waitUntil(what, () => predicate(items), timeoutMs),
        waitForClose: (timeoutMs = 5000) => waitUntil('close', () => isClosed, timeoutMs),
        events: (type) =>
          items.filter(
            (i): i is Extract<SseItem, { kind: 'event' }> =>
              i.kind === 'event' && (type === undefined || i.event === type),
          ),
        pause: () => res.pause(),
        resume: () => res.resume(),
        destroy: () => req.destroy(),
        response: res,
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Read a whole non-streaming response. */
export async function getText(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const connection = await openSse(url, headers);
  await connection.waitForClose();
  return {
    status: connection.status,
    headers: connection.headers,
    body: connection.bytes().toString('utf8'),
  };
}
