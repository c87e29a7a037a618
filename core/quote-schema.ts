/**
 * The JSON schema of a quote event's `data` (docs/CONTRACT.md §1), from which
 * `npm run generate:serializer` generates core/quote-serializer.generated.js with fast-json-stringify.
 * The serializer writes the `required` fields first, then the optional ones in this order.
 * @see docs/decisions/009-serialiser.md
 */
export const quoteSchema = {
  title: 'Quote',
  type: 'object',
  properties: {
    symbol: { type: 'string' },
    bid: { type: 'number' },
    ask: { type: 'number' },
    bidSize: { type: 'number' },
    askSize: { type: 'number' },
    last: { type: 'number' },
    lastSize: { type: 'number' },
    ts: { type: 'number' },
  },
  // `bid` and `ask` are optional for trade-only updates (core/quote.ts validateQuote guarantees a
  // two-sided or a trade-only quote); an absent field is omitted, never written as null or 0.
  required: ['symbol', 'ts'],
  additionalProperties: false,
} as const;
