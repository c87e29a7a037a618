/**
 * The part of decoding every vendor adapter shares: a frame is a list of elements, each judged on its
 * own, so one bad element costs that element, not the frame (shared/research/upstreams.md §7.5).
 * @see feeds/adapter.ts DecodedFrame
 */
import { validateQuote } from '../core/quote.ts';
import type { DecodedFrame, FeedMessage } from './adapter.ts';
import { finiteNumber } from './vendor-decode.ts';

/** What one element of a frame turned out to be: a message, nothing worth reporting, or malformed. */
export type Part = FeedMessage | 'ignored' | 'malformed';

/** Decode each element with `decodePart` and count the malformed ones. Never throws. */
export function collectParts(
  elements: readonly unknown[],
  decodePart: (element: unknown) => Part,
): DecodedFrame {
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
 * A vendor field for validateQuote: absent stays `undefined` (an optional field), present and a finite
 * number (or decimal string) becomes that number, present and anything else becomes `NaN`, which
 * validateQuote refuses. So a garbled size fails its quote instead of silently vanishing from it.
 */
export function field(v: unknown): number | undefined {
  return v === undefined ? undefined : (finiteNumber(v) ?? Number.NaN);
}

/** A quote message from the fields a vendor element carried, or malformed when they fail validation. */
export function quotePart(raw: Record<string, unknown>, nowMs: number): Part {
  const check = validateQuote(raw, nowMs);
  return check.ok ? { type: 'quote', quote: check.quote } : 'malformed';
}

/**
 * A vendor's error text, whole: the upstream client removes any credential it echoes and only then
 * cuts it (feeds/upstream-options.ts `scrub`); a cut here could leave a secret's first characters.
 */
export function vendorText(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
