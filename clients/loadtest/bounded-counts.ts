/**
 * Counters keyed by strings a server chose (`end.reason`, refusal statuses, error codes), bounded in
 * how many keys they hold. A plain object miscounts `__proto__` (assigning it sets the prototype)
 * and `constructor` (it reads an inherited function), and a hostile server sending a new reason on
 * every stream would grow it, and the summary, without bound.
 */
import { printable } from '../sse/printable.ts';

/** Distinct keys a counter keeps; later new keys are counted under {@link OTHER_KEY}. */
export const MAX_DISTINCT_KEYS = 32;
/** The bucket for keys beyond {@link MAX_DISTINCT_KEYS}. */
export const OTHER_KEY = 'other';
/** The longest key kept as is; a longer one is cut (a reason is a short word by the contract). */
const MAX_KEY_CHARS = 64;

/** A string → count map with at most `maxKeys` keys plus `other`; keys are stored printable. */
export class BoundedCounts {
  readonly #counts = new Map<string, number>();
  readonly #maxKeys: number;

  constructor(maxKeys = MAX_DISTINCT_KEYS) {
    this.#maxKeys = maxKeys;
  }

  /** Count one `key`; a key past the bound counts as `other`. */
  add(key: string): void {
    let name = printable(key, MAX_KEY_CHARS);
    if (!this.#counts.has(name) && this.#counts.size >= this.#maxKeys) name = OTHER_KEY;
    this.#counts.set(name, (this.#counts.get(name) ?? 0) + 1);
  }

  get(key: string): number {
    return this.#counts.get(key) ?? 0;
  }

  /** Distinct keys held, `other` included. */
  get size(): number {
    return this.#counts.size;
  }

  /**
   * The counts as a JSON-ready record, in first-seen order. `Object.fromEntries` defines each key
   * as an own property, so `__proto__` is an ordinary key here and in `JSON.stringify`.
   */
  toRecord(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }

  /** `JSON.stringify` writes the record. */
  toJSON(): Record<string, number> {
    return this.toRecord();
  }
}
