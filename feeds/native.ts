/**
 * The adapter for the native quote protocol (the built-in simulator speaks it): a subscribe frame
 * out, one JSON message or a JSON array of them in.
 *
 * Decoding never throws. Every element is judged on its own, so one bad quote in a batch of fifty
 * costs one quote, not fifty: bad JSON or a frame that is not an object or array counts one malformed
 * part; each element of an array that is not a usable message counts one more. Unknown message types
 * and unknown fields are ignored, not counted, so an upstream can grow its protocol without
 * tripping our malformed-frame counters.
 * @see docs/CONTRACT.md §1
 */
import { checkQuote } from '../core/quote.ts';
import type { DecodedFrame, FeedAdapter } from './adapter.ts';
import { isRecord } from './vendor-decode.ts';
import { decodeArrayFrame, type Part } from './vendor-parts.ts';

const isStringArray = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((s) => typeof s === 'string');

function decodePart(value: unknown, nowMs: number): Part {
  if (!isRecord(value) || typeof value.type !== 'string') return 'malformed';
  switch (value.type) {
    case 'quote': {
      // checkQuote copies only the known fields, so `type` and unknown fields are dropped here.
      const quote = checkQuote(value, nowMs);
      return typeof quote === 'string' ? 'malformed' : { type: 'quote', quote };
    }
    case 'subscribed':
      if (!isStringArray(value.symbols)) return 'malformed';
      return { type: 'subscribed', symbols: [...value.symbols] };
    case 'error': {
      if (typeof value.code !== 'string') return 'malformed';
      const message = typeof value.message === 'string' ? value.message : '';
      // With `symbols` it refuses those symbols only; without, it concerns the connection (logged).
      if (value.symbols === undefined) {
        return { type: 'error', code: value.code, message };
      }
      if (!isStringArray(value.symbols) || value.symbols.length === 0) return 'malformed';
      const symbols = [...value.symbols];
      return { type: 'rejected', symbols, code: value.code, message };
    }
    default:
      return 'ignored';
  }
}

/**
 * Decode one text frame of the native protocol into messages and a malformed count; a quote's `ts`
 * is judged against `nowMs`, read once per frame. Never throws, whatever the input.
 */
const decodeNativeFrame = (frame: string, nowMs: number = Date.now()): DecodedFrame =>
  decodeArrayFrame(frame, (value) => decodePart(value, nowMs));

const subscribeFrames = (symbols: readonly string[]): string[] =>
  // An empty subscribe is a no-op the upstream might answer with an error, so send nothing.
  symbols.length === 0 ? [] : [JSON.stringify({ action: 'subscribe', symbols })];

const unsubscribeFrames = (symbols: readonly string[]): string[] =>
  symbols.length === 0 ? [] : [JSON.stringify({ action: 'unsubscribe', symbols })];

/**
 * The native protocol adapter, registered under FEED=`native`.
 * @see docs/CONTRACT.md §1
 */
export const nativeAdapter: FeedAdapter = {
  name: 'native',
  exampleSymbols: ['AAPL', 'MSFT', 'NVDA', 'BTC-USD'],
  credentialNames: [],
  subscribeFrames,
  unsubscribeFrames,
  decode: decodeNativeFrame,
};
