/**
 * Numbers as JSON text, exactly as JavaScript writes them (`String(x)`), but faster for the numbers
 * quotes carry: prices on a decimal tick grid (189.12, 0.0415), sizes, and epoch-ms times, whole or with
 * up to six decimals. V8 writes a non-integer, or an integer past 2^31, through its general
 * shortest-digits algorithm: 70–90 ns each here, a fifth of the per-stream pipeline's CPU
 * (`node --cpu-prof bench/micro.ts --pipeline-only`). Here such a number is written as whole and
 * fraction integers below 2^31, which V8 writes in a few ns; anything else takes `String(x)`'s path.
 *
 * Why the text is the same: take the fewest decimals d ≤ 6 for which k = round(x·10^d) gives
 * k / 10^d === x, with k < 2^52. The decimal k·10^-d rounds to x (a division rounds the exact quotient
 * as the parser rounds the decimal). No decimal with d or fewer places rounds to x too: any other lies
 * at least 10^-d away, while x·10^d < 2^52 puts x's neighbouring doubles within x·2^-52 < 10^-d of
 * it. So it is the shortest, and its last digit is not 0 (with fewer decimals it would have matched
 * first: below 2^52 the product x·10^d is off by less than 1/8, so the rounding finds k). Such an x
 * is at least 10^-6 (k ≥ 1), and for 1e-6 ≤ x < 1e21 JavaScript writes that shortest decimal without
 * an exponent, as here. test/unit/core/number-text.test.ts checks it against String(x) with
 * fast-check.
 * @see docs/decisions/009-serialiser.md
 */

const SCALES = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000] as const;
/** Below it V8 keeps an integer as a small integer and writes it fast. */
const SMALL_INTEGER_LIMIT = 2 ** 31;
/** k = x·10^d must stay below it: then x's neighbouring doubles lie closer than 10^-d (see above). */
const SHORTEST_LIMIT = 2 ** 52;
const BILLION = 1_000_000_000;

/** `.0` … `.999`: the fractions of up to three decimals, with their point, made once. */
const FRACTIONS: readonly (readonly string[])[] = SCALES.slice(0, 4).map((scale, decimals) =>
  Array.from({ length: scale }, (_, fraction) => `.${`${fraction}`.padStart(decimals, '0')}`),
);

/** A whole number below 2^52 in decimal, from parts below 2^31. */
function wholeText(whole: number): string {
  if (whole < SMALL_INTEGER_LIMIT) return `${whole}`;
  const high = Math.floor(whole / BILLION);
  // 1e9 + low < 2^31: its last nine digits are `low` with its leading zeros.
  return `${high}${`${BILLION + (whole - high * BILLION)}`.slice(1)}`;
}

/** `String(x)` for any number: fast for 0 < x < 2^52 with at most six decimals (see above). */
export function numberText(x: number): string {
  if (!(x > 0 && x < SHORTEST_LIMIT)) return `${x}`;
  if (x === Math.floor(x)) return wholeText(x);
  for (let decimals = 1; decimals < SCALES.length; decimals += 1) {
    const scale = SCALES[decimals] as number;
    const k = Math.round(x * scale);
    if (k / scale !== x) continue;
    if (k >= SHORTEST_LIMIT) break;
    const whole = Math.floor(x);
    const fraction = k - whole * scale;
    const fractionText =
      decimals < FRACTIONS.length
        ? (FRACTIONS[decimals] as readonly string[])[fraction]
        : // scale + fraction < 2 × 10^6: its last digits are the fraction with its leading zeros.
          `.${`${scale + fraction}`.slice(1)}`;
    return `${wholeText(whole)}${fractionText}`;
  }
  return `${x}`;
}

/**
 * fast-json-stringify's runtime serializer with `asNumber` writing finite numbers by numberText: the
 * same text, and the library's own answer for the rest (NaN throws, ±Infinity is `null`, a non-number
 * is coerced). scripts/build/generate-serializer.ts wraps the generated serializer's instance with it.
 */
export function withNumberText<S extends { asNumber: (value: unknown) => string }>(serializer: S): S {
  const libraryAsNumber = serializer.asNumber.bind(serializer);
  serializer.asNumber = (value) =>
    typeof value === 'number' && Number.isFinite(value) ? numberText(value) : libraryAsNumber(value);
  return serializer;
}
