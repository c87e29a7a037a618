/**
 * The part of decoding every vendor adapter shares: a frame is a list of elements, each judged on its
 * own, so one bad element costs that element, not the frame (shared/research/upstreams.md §7.5).
 * @see feeds/adapter.ts DecodedFrame
 */
import { checkQuote } from '../core/quote.ts';
import type { DecodedFrame, FeedMessage } from './adapter.ts';
import { finiteNumber, safeJsonParse } from './vendor-decode.ts';

/** What one element of a frame turned out to be: a message, nothing worth reporting, or malformed. */
export type Part = FeedMessage | 'ignored' | 'malformed';

/** A whole frame that is nothing but one malformed part (bad JSON, not an object). */
export const malformedFrame = (): DecodedFrame => ({ messages: [], malformed: 1 });

/**
 * The DecodedFrame of a frame's parts, in order: messages kept, ignored parts dropped without a
 * count (an upstream may grow its protocol), malformed parts counted one each.
 */
export const decodedFrame = (parts: Iterable<Part>): DecodedFrame =>
  collectParts([...parts], (part) => part as Part);

/**
 * A frame that is a JSON array of elements (Alpaca, Massive), a bare object read as an array of one:
 * each element decoded on its own. Bad JSON is one malformed part.
 */
export function decodeArrayFrame(frame: string, decodePart: (element: unknown) => Part): DecodedFrame {
  const parsed = safeJsonParse(frame);
  if (!parsed.ok) return malformedFrame();
  return collectParts(Array.isArray(parsed.value) ? parsed.value : [parsed.value], decodePart);
}

/** Decode each element with `decodePart` and count the malformed ones. Never throws. */
export function collectParts(
  elements: readonly unknown[],
  decodePart: (element: unknown) => Part,
): DecodedFrame {
  // One loop, no array of parts: the native feed runs this once per upstream frame.
  const messages: FeedMessage[] = [];
  let malformed = 0;
  for (const element of elements) {
    const part = decodePart(element);
    if (part === 'malformed') malformed += 1;
    else if (part !== 'ignored') messages.push(part);
  }
  return { messages, malformed };
}

/**
 * An optional numeric field of a vendor message for validateQuote: `undefined` when absent (or
 * null), the number when usable (a number or a decimal string), NaN when present but unusable, so
 * validateQuote refuses the quote (counted malformed) instead of a garbled size silently vanishing.
 */
export function numberField(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  return finiteNumber(value) ?? Number.NaN;
}

/** A quote message from the fields a vendor element carried, or malformed when they fail validation. */
export function quotePart(raw: Record<string, unknown>, nowMs: number): Part {
  const quote = checkQuote(raw, nowMs);
  return typeof quote === 'string' ? 'malformed' : { type: 'quote', quote };
}

/**
 * A two-sided quote from the letters Alpaca and Massive share (`bp`/`ap` prices, `bs`/`as` sizes),
 * with the symbol and time each reads from its own field.
 */
export function bookPart(element: Record<string, unknown>, symbol: unknown, ts: number, nowMs: number): Part {
  const { bp, ap, bs, as } = element;
  const book = {
    bid: numberField(bp),
    ask: numberField(ap),
    bidSize: numberField(bs),
    askSize: numberField(as),
  };
  return quotePart({ symbol, ...book, ts }, nowMs);
}

/** A trade-only quote from the letters Alpaca and Massive share (`p` price, `s` size). */
export function tradePart(
  element: Record<string, unknown>,
  symbol: unknown,
  ts: number,
  nowMs: number,
): Part {
  // `last` is required of a trade: absent becomes NaN, so a trade without a price is malformed.
  const last = numberField(element.p) ?? Number.NaN;
  return quotePart({ symbol, last, lastSize: numberField(element.s), ts }, nowMs);
}

/**
 * A vendor's error text, whole: the upstream client removes any credential it echoes and only then
 * cuts it (feeds/upstream-options.ts `scrub`); a cut here could leave a secret's first characters.
 */
export function vendorText(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
