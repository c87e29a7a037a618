/**
 * One virtual client of the load tester over node:http: open a stream, read it to `end` or a cut,
 * reconnect like EventSource (`retry:`, Last-Event-ID), back off on failures, stop on abort.
 *
 * node:http rather than fetch: thousands of streams through one Agent with `keepAlive: false`
 * and `maxSockets: Infinity` give one socket per stream and no pool queueing, and 'data' events
 * hand us Buffers without a WHATWG stream layer in between.
 */
import http from 'node:http';
import https from 'node:https';
import { isFatalStatus, ReconnectPolicy, sleep } from '../sse/backoff.ts';
import { idleLimitMs, streamRequestHeaders } from '../sse/contract.ts';
import { hideSecret } from '../sse/redact.ts';
import { decodeRefusalBody, describeRefusal, MAX_REFUSAL_BODY_BYTES } from '../sse/refusal.ts';
import { TOKEN_PARAM } from '../sse/stream-url.ts';
import type { LoadStats } from './stats.ts';
import { newVirtualClientState, StreamTracker, type EpochClock, type VirtualClientState } from './tracker.ts';

/** What every virtual client of one run shares. */
export interface LoadContext {
  url: URL;
  stats: LoadStats;
  clock: EpochClock;
  /** Aborts every virtual client at the end of `--duration`. */
  signal: AbortSignal;
  agent: http.Agent;
  /** Whether ids must rise by one (off for servers with other id schemes). @defaultValue true */
  checkIds?: boolean;
}

/** An Agent that opens one socket per stream, with no pool limit and no reuse. */
export function createAgent(url: URL): http.Agent {
  const options = { keepAlive: false, maxSockets: Infinity };
  return url.protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
}

type Outcome = 'clean' | 'cut' | 'failed' | 'fatal' | 'stopped';

/** Records how one request ended, once; later calls are ignored. */
type Settle = (outcome: Outcome, reason: string) => void;

function errorCode(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return e.code ?? e.message ?? 'unknown';
}

/**
 * Read at most {@link MAX_REFUSAL_BODY_BYTES} of a response that is not an event stream; resolves
 * with the text once the response closes. Never rejects: the status is the finding, the body only
 * illustrates it.
 */
function readRefusal(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      parts.push(chunk);
      size += chunk.length;
      if (size >= MAX_REFUSAL_BODY_BYTES) res.destroy(); // enough to show; do not read a huge page
    });
    res.on('error', () => undefined); // 'close' follows and resolves with what arrived
    res.on('close', () => resolve(Buffer.concat(parts).subarray(0, MAX_REFUSAL_BODY_BYTES).toString('utf8')));
  });
}

/**
 * The summary's "first refusal": the access refusals (401, 403) in the clients' shared words
 * (`HTTP 401: a token is required`), any other as its status and body. A body may echo the
 * request URL, so the token is masked in it.
 */
function describeFirstRefusal(status: number, body: string, token: string | null): string {
  const text =
    status === 401 || status === 403
      ? describeRefusal(status, decodeRefusalBody(body))
      : `HTTP ${status}: ${body}`;
  return hideSecret(text, token ?? undefined);
}

/** One accepted stream and what its bytes are accounted against. */
interface TrackedStream {
  ctx: LoadContext;
  url: URL;
  client: VirtualClientState;
  req: http.ClientRequest;
  res: http.IncomingMessage;
  startedAt: number;
  settle: Settle;
}

/**
 * Feed a 200 stream to a {@link StreamTracker} until `end` (clean), a decoder failure, or the
 * connection closing without `end` (cut); widen the idle limit once `ready` names the heartbeat.
 */
function trackStream({ ctx, client, req, res, startedAt, settle }: TrackedStream): void {
  const { signal } = ctx;
  const tracker = new StreamTracker(ctx.stats, client, startedAt, { checkIds: ctx.checkIds ?? true });
  let ready = false;
  res.on('data', (chunk: Buffer) => {
    tracker.feed(chunk, performance.now(), ctx.clock.now());
    if (!ready && tracker.ready !== undefined) {
      ready = true;
      req.setTimeout(idleLimitMs(tracker.ready));
    }
    if (tracker.ended) {
      settle('clean', 'end');
      res.destroy(); // [contract] nothing follows `end`; do not wait for the server's FIN
    } else if (tracker.failure !== undefined) {
      settle('cut', tracker.failure);
      res.destroy();
    }
  });
  res.on('error', (err) => settle(signal.aborted ? 'stopped' : 'cut', errorCode(err)));
  res.on('close', () => {
    if (signal.aborted) settle('stopped', 'stopped');
    else settle(tracker.ended ? 'clean' : 'cut', res.complete ? 'eof_without_end' : 'connection_lost');
  });
}

/** One request: resolves how it ended. Never rejects. */
function openOnce(
  ctx: LoadContext,
  url: URL,
  client: VirtualClientState,
  first: { opened: boolean },
): Promise<Outcome> {
  const { stats, signal } = ctx;
  const headers = streamRequestHeaders(client.lastEventId);
  const startedAt = performance.now();
  const send = url.protocol === 'https:' ? https.request : http.request;
  stats.requests++;
  return new Promise((resolve) => {
    let settled = false;
    let streaming = false;
    const settle: Settle = (outcome, reason) => {
      if (settled) return;
      settled = true;
      if (streaming) stats.openNow--;
      if (outcome === 'stopped' && streaming) stats.heldAtStop++;
      else if (outcome === 'clean') stats.clean++;
      else if (outcome === 'cut') stats.streamCut(reason);
      else if (outcome === 'failed' || outcome === 'fatal') stats.fail(reason);
      resolve(outcome);
    };
    // `timeout` is socket inactivity: before `ready` the contract promises bytes at once; after
    // it, heartbeats come every heartbeatMs. Silence beyond that is a dead stream.
    const req = send(url, { agent: ctx.agent, headers, signal, timeout: idleLimitMs(undefined) });
    req.on('timeout', () =>
      req.destroy(Object.assign(new Error('no bytes within the idle limit'), { code: 'idle_timeout' })),
    );
    req.on('error', (err) =>
      settle(signal.aborted ? 'stopped' : streaming ? 'cut' : 'failed', errorCode(err)),
    );
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      const type = res.headers['content-type'] ?? '';
      if (status !== 200 || !type.startsWith('text/event-stream')) {
        void readRefusal(res).then((body) => {
          if (stats.firstRefusal === undefined) {
            stats.refused(describeFirstRefusal(status, body, url.searchParams.get(TOKEN_PARAM)));
          }
          settle(
            isFatalStatus(status) ? 'fatal' : 'failed',
            status === 200 ? 'not_event_stream' : `http_${status}`,
          );
        });
        return;
      }
      streaming = true;
      stats.requestsOk++;
      stats.openNow++;
      if (!first.opened) {
        first.opened = true;
        stats.clientsOpened++;
      }
      trackStream({ ctx, url, client, req, res, startedAt, settle });
    });
    req.end();
  });
}

/**
 * Run one virtual client until `ctx.signal` aborts or the server refuses it for good (4xx),
 * starting after `delayMs` (the ramp).
 */
export async function runVirtualClient(ctx: LoadContext, delayMs: number, url = ctx.url): Promise<void> {
  if (!(await sleep(delayMs, ctx.signal))) return;
  ctx.stats.clientsStarted++;
  const client = newVirtualClientState();
  const policy = new ReconnectPolicy();
  const first = { opened: false };
  for (let attempt = 0; !ctx.signal.aborted; attempt++) {
    if (attempt > 0) ctx.stats.reconnects++;
    const outcome = await openOnce(ctx, url, client, first);
    if (outcome === 'stopped' || outcome === 'fatal') return;
    // The policy clamps the server's hint (clients/sse/backoff.ts), so `retry: 0` cannot make
    // thousands of virtual clients spin against a failing server.
    policy.retryMs = client.retryMs ?? policy.retryMs;
    const delay = outcome === 'clean' ? policy.afterClean() : policy.afterFailure();
    if (!(await sleep(delay, ctx.signal))) return;
  }
}
