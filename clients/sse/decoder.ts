/**
 * Bytes of one SSE response body → {@link ContractEvent}s, through eventsource-parser.
 *
 * The pure core shared by the fetch reader (clients/sse/reader.ts), the load tester's node:http streams
 * (clients/loadtest/virtual-client.ts) and its `--self-test`, so the parse rate the self-test reports is the rate of
 * the code that runs under load. No sockets, no timers.
 */
import { createParser } from 'eventsource-parser';
import { decodeMessage, type ContractEvent } from './contract.ts';

/**
 * Largest number of characters the parser may hold while waiting for a line or event to finish.
 * A contract event is a few hundred bytes; 1 MiB means something is wrong with the server, and
 * stopping beats letting one stream grow a client's memory without bound.
 */
const DEFAULT_MAX_BUFFER_SIZE = 1024 * 1024;

/** Why a decoder stopped accepting input. */
export interface DecoderFailure {
  code: 'max_buffer_exceeded';
  message: string;
}

export interface DecoderOptions {
  /** Called synchronously, in stream order, for every decoded item. */
  onEvent: (event: ContractEvent) => void;
  /** @defaultValue {@link DEFAULT_MAX_BUFFER_SIZE} */
  maxBufferSize?: number;
  /** The client's clock in epoch ms, against which quote `ts` values are checked. @defaultValue Date.now */
  now?: () => number;
}

/** A stateful decoder for one response body; make a new one per stream. */
export interface ContractDecoder {
  /** Feed the next chunk; chunks may split lines and UTF-8 sequences anywhere. */
  feed(chunk: Uint8Array): void;
  /** The last `id` field seen ([spec] it persists across events until changed). */
  readonly lastEventId: string | undefined;
  /** The last valid `retry:` value, in ms. */
  readonly retryMs: number | undefined;
  /** Set once the buffer limit was exceeded; later input is ignored. */
  readonly failure: DecoderFailure | undefined;
}

/**
 * Create a decoder for one stream.
 *
 * @see docs/CONTRACT.md §2 Response 200
 * @example
 * const d = createContractDecoder({ onEvent: (e) => console.log(e.type) });
 * d.feed(new TextEncoder().encode('event: end\ndata: {"reason":"deadline","quotes":0}\n\n'));
 */
export function createContractDecoder(options: DecoderOptions): ContractDecoder {
  const { onEvent, now = Date.now } = options;
  // [spec] the stream is always UTF-8; `stream: true` keeps a multi-byte character that a
  // chunk boundary split until its remaining bytes arrive.
  const text = new TextDecoder('utf-8');
  let lastEventId: string | undefined;
  let retryMs: number | undefined;
  let failure: DecoderFailure | undefined;

  const parser = createParser({
    maxBufferSize: options.maxBufferSize ?? DEFAULT_MAX_BUFFER_SIZE,
    onEvent: (msg) => onEvent(decodeMessage(msg, now)),
    onId: (id) => {
      lastEventId = id;
    },
    onRetry: (ms) => {
      retryMs = ms;
      onEvent({ type: 'retry', ms });
    },
    onComment: (comment) => onEvent({ type: 'comment', text: comment }),
    onError: (error) => {
      // [spec] an unknown field or a non-numeric `retry:` is ignored; only the buffer limit stops us.
      if (error.type === 'max-buffer-size-exceeded') {
        failure = { code: 'max_buffer_exceeded', message: error.message };
      }
    },
  });

  return {
    feed(chunk) {
      if (failure !== undefined) return;
      parser.feed(text.decode(chunk, { stream: true }));
    },
    get lastEventId() {
      return lastEventId;
    },
    get retryMs() {
      return retryMs;
    },
    get failure() {
      return failure;
    },
  };
}
