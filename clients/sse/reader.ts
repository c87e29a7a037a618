/**
 * Open `GET /stream` with fetch and read it as an async iterator of typed contract events.
 *
 * The reader reports what a client must know and nothing more: the HTTP status and the 400 JSON
 * body before any streaming; then the events; then whether the stream ended with `end` (clean)
 * or was cut. Expected failures are values (`ok: false`, `outcome: 'cut'`), not exceptions, so a
 * caller's reconnect loop has one shape.
 *
 * @see docs/CONTRACT.md §2
 * @see docs/clients.md § Error codes
 */
import {
  idleLimitMs,
  streamRequestHeaders,
  type ContractEvent,
  type EndData,
  type ReadyData,
} from './contract.ts';
import { connectFailed, describeCause, readRefusal, ReaderError } from './reader-error.ts';
import { createContractDecoder, type ContractDecoder } from './decoder.ts';

export { ReaderError } from './reader-error.ts';

/** How {@link openSseStream} opens and guards one stream. */
export interface OpenOptions {
  /** Aborting ends the request or the iteration with outcome `aborted`. */
  signal?: AbortSignal;
  /** Sent as `Last-Event-ID` so the new stream's ids continue after it. */
  lastEventId?: string;
  /** @defaultValue 1 MiB (decoder.ts) */
  maxBufferSize?: number;
  /** Silence after which the stream counts as cut. @defaultValue 10 s, then 2 × heartbeatMs + 5 s */
  idleTimeoutMs?: number;
  /** Bytes of a non-200 body kept for the message. @defaultValue 16 KiB (`MAX_REFUSAL_BODY_BYTES`, refusal.ts) */
  maxErrorBodyBytes?: number;
  /** A fetch implementation, for tests that need exact chunk boundaries. @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
}

/** The answer to {@link openSseStream}: a stream, or why there is none. */
export type OpenResult =
  | { ok: true; status: number; stream: SseStream }
  | { ok: false; status: number; error: ReaderError; body: unknown };

/** How a stream finished; `streaming` until then. */
export type StreamOutcome = 'streaming' | 'clean' | 'cut' | 'aborted';

/** One open event stream; iterate it once with `for await`. */
export class SseStream implements AsyncIterable<ContractEvent> {
  readonly status: number;
  outcome: StreamOutcome = 'streaming';
  /** Why the stream was cut or aborted. */
  error: ReaderError | undefined;
  ready: ReadyData | undefined;
  end: EndData | undefined;
  bytes = 0;
  quotes = 0;
  readonly #body: ReadableStream<Uint8Array>;
  readonly #decoder: ContractDecoder;
  readonly #pending: ContractEvent[] = [];
  readonly #watchdog: Watchdog;
  readonly #options: OpenOptions;
  #iterated = false;

  constructor(response: Response, watchdog: Watchdog, options: OpenOptions) {
    this.status = response.status;
    this.#body = response.body ?? new ReadableStream();
    this.#watchdog = watchdog;
    this.#options = options;
    this.#decoder = createContractDecoder({
      onEvent: (e) => this.#pending.push(e),
      maxBufferSize: options.maxBufferSize,
    });
  }

  /** The id to send as `Last-Event-ID` on reconnect: the last one seen, else the one we sent. */
  get lastEventId(): string | undefined {
    return this.#decoder.lastEventId ?? this.#options.lastEventId;
  }

  /** The server's `retry:` hint in ms, if it sent one. */
  get retryMs(): number | undefined {
    return this.#decoder.retryMs;
  }

  [Symbol.asyncIterator](): AsyncIterator<ContractEvent> {
    if (this.#iterated) throw new TypeError('SseStream can be iterated once; open a new stream to reconnect');
    this.#iterated = true;
    return this.#events();
  }

  async *#events(): AsyncGenerator<ContractEvent> {
    const reader = this.#body.getReader();
    try {
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (cause) {
          this.#finish('cut', this.#watchdog.explain(cause, this.#options.signal));
          return;
        }
        if (chunk.done) {
          this.#finish('cut', new ReaderError('stream_cut', 'the stream ended without an end event'));
          return;
        }
        this.bytes += chunk.value.byteLength;
        this.#watchdog.touch();
        this.#decoder.feed(chunk.value);
        for (const event of this.#pending) {
          this.#observe(event);
          yield event;
          // [contract] `end` is always the last event; anything after it is not ours to read.
          if (event.type === 'end') return this.#finish('clean', undefined);
        }
        this.#pending.length = 0;
        const failure = this.#decoder.failure;
        if (failure !== undefined) return this.#finish('cut', new ReaderError(failure.code, failure.message));
      }
    } finally {
      this.#watchdog.stop();
      // A consumer that stopped iterating (break, throw) ended the stream on purpose.
      if (this.outcome === 'streaming')
        this.#finish('aborted', new ReaderError('aborted', 'iteration stopped'));
      // cancel() rejects only when the body already errored, which #finish has recorded.
      reader.cancel().catch(() => undefined);
    }
  }

  #observe(event: ContractEvent): void {
    if (event.type === 'quote') this.quotes++;
    else if (event.type === 'ready') {
      this.ready = event.data;
      this.#watchdog.arm(this.#options.idleTimeoutMs ?? idleLimitMs(event.data));
    } else if (event.type === 'end') this.end = event.data;
  }

  #finish(outcome: Exclude<StreamOutcome, 'streaming'>, error: ReaderError | undefined): void {
    if (error?.code === 'aborted') outcome = 'aborted';
    this.outcome = outcome;
    this.error = error;
  }
}

/**
 * The silence guard: one timer that aborts the fetch when no byte arrived for `ms`, refreshed on
 * every chunk. A half-open TCP connection otherwise hangs a client forever.
 */
class Watchdog {
  readonly controller = new AbortController();
  #timer: NodeJS.Timeout | undefined;

  arm(ms: number): void {
    this.stop();
    this.#timer = setTimeout(() => {
      this.controller.abort(new ReaderError('idle_timeout', `no bytes for ${ms} ms`));
    }, ms);
  }
  touch(): void {
    this.#timer?.refresh();
  }
  stop(): void {
    clearTimeout(this.#timer);
  }
  /** Map a fetch or read rejection to the reason that caused it. */
  explain(cause: unknown, userSignal: AbortSignal | undefined): ReaderError {
    if (userSignal?.aborted) return new ReaderError('aborted', 'aborted by the caller', { cause });
    const reason: unknown = this.controller.signal.reason;
    if (reason instanceof ReaderError) return reason;
    return new ReaderError('network_error', `the stream broke: ${describeCause(cause)}`, { cause });
  }
}

/**
 * Send `GET url` as an SSE request and return the open stream, or the status and body that
 * refused it. A 400's JSON body is parsed, and its `message` becomes the error's message.
 *
 * @see docs/CONTRACT.md §2 Request
 */
export async function openSseStream(url: string | URL, options: OpenOptions = {}): Promise<OpenResult> {
  const watchdog = new Watchdog();
  const signals = [watchdog.controller.signal, ...(options.signal ? [options.signal] : [])];
  const headers = streamRequestHeaders(options.lastEventId);
  watchdog.arm(options.idleTimeoutMs ?? idleLimitMs(undefined));
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, { headers, signal: AbortSignal.any(signals) });
  } catch (cause) {
    watchdog.stop();
    const error = watchdog.explain(cause, options.signal);
    const failed = error.code === 'network_error' ? connectFailed(url, cause) : error;
    return { ok: false, status: 0, error: failed, body: undefined };
  }
  const type = response.headers.get('content-type') ?? '';
  if (response.status === 200 && type.startsWith('text/event-stream')) {
    return { ok: true, status: 200, stream: new SseStream(response, watchdog, options) };
  }
  try {
    return {
      ok: false,
      status: response.status,
      ...(await readRefusal(response, options.maxErrorBodyBytes)),
    };
  } finally {
    watchdog.stop();
  }
}
