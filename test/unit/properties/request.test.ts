/**
 * Property: whatever query maps, headers and authorizer context a request carries, reading it
 * (handlers/apigw.ts readStreamRequest) and deciding on it (core/request.ts planStreamRequest, which
 * parses symbols with core/symbols.ts) gives either a plan that obeys the contract or the contract's
 * 400/403 body (docs/CONTRACT.md §2 Request), never a throw. Keys that are Object.prototype
 * properties (`__proto__`, `constructor`, `toString`) are among the keys tried, as JSON.parse makes
 * them own properties of an event Lambda receives.
 */
import fc from 'fast-check';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { planStreamRequest } from '../../../core/request.ts';
import { readStreamRequest, rejectionResponse } from '../../../handlers/apigw.ts';

/** [contract §2] The grammar of a symbol, after upper-casing, restated from the contract. */
const CONTRACT_SYMBOL = /^\^?[A-Z0-9]+(?:[.\-/:=_][A-Z0-9]+)*$/;
const MISSING_BODY = '{"message":"Missing required request parameters: [symbols]"}';

const hostileKey = fc.oneof(
  fc.constantFrom(
    'symbols',
    'SYMBOLS',
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    'valueOf',
    'token',
  ),
  fc.string({ maxLength: 12 }),
);
const symbolText = fc.oneof(
  fc.constantFrom(
    'AAPL',
    'aapl',
    'BRK.B',
    'BTC-USD',
    '^GSPC',
    'X:BTCUSD',
    'BTC-',
    'A..B',
    '^',
    'ß',
    'ａａｐｌ',
    ' AAPL ',
    '',
  ),
  fc.stringMatching(/^[A-Za-z0-9.^:=_/-]{1,24}$/),
  fc.string({ maxLength: 30 }),
);
const symbolsValue = fc.oneof(
  fc.array(symbolText, { maxLength: 60 }).map((parts) => parts.join(',')),
  fc.string({ maxLength: 200 }),
  fc.constant(',,,'),
  fc.constant('A,'.repeat(2_000)),
);
/** A query map as JSON.parse builds it: own properties, whatever their names. */
const map = <T>(value: fc.Arbitrary<T>): fc.Arbitrary<Record<string, T> | null> =>
  fc.oneof(
    fc.constant(null),
    fc
      .array(fc.tuple(fc.oneof(hostileKey, fc.constant('symbols')), value), { maxLength: 6 })
      .map((entries) => Object.fromEntries(entries)),
  );
const headerName = fc.constantFrom(
  'Last-Event-ID',
  'last-event-id',
  'LAST-EVENT-ID',
  'Origin',
  '__proto__',
  'constructor',
);
const headerValue = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.nat().map(String),
  fc.constant('9'.repeat(40)),
  fc.constant('-1'),
);
const authorizer = fc.oneof(
  fc.constant(undefined),
  fc.record({
    sub: fc.oneof(fc.string(), fc.constant(undefined)),
    symbols: fc.oneof(fc.constant(''), symbolsValue, fc.anything()),
  }),
);

const event = fc
  .record({
    queryStringParameters: map(symbolsValue),
    multiValueQueryStringParameters: map(fc.array(symbolsValue, { maxLength: 4 })),
    headers: fc.array(fc.tuple(headerName, headerValue), { maxLength: 4 }).map((e) => Object.fromEntries(e)),
    multiValueHeaders: fc
      .array(fc.tuple(headerName, fc.array(headerValue, { maxLength: 3 })), { maxLength: 3 })
      .map((e) => Object.fromEntries(e)),
    authorizer,
  })
  .map(
    ({ authorizer: auth, ...rest }) =>
      ({ ...rest, requestContext: { authorizer: auth } }) as unknown as APIGatewayProxyEvent,
  );

describe('property: request policy', () => {
  it('plans a contract-valid stream or answers the contract 400/403, never throws', () => {
    fc.assert(
      fc.property(event, fc.integer({ min: 1, max: 500 }), (e, maxSymbols) => {
        const request = readStreamRequest(e);
        const plan = planStreamRequest(request, maxSymbols);
        if (plan.ok) {
          expect(plan.symbols.length).toBeGreaterThanOrEqual(1);
          expect(plan.symbols.length).toBeLessThanOrEqual(maxSymbols);
          expect(new Set(plan.symbols).size).toBe(plan.symbols.length);
          for (const s of plan.symbols) {
            expect(s.length <= 20 && CONTRACT_SYMBOL.test(s)).toBe(true);
            if (request.allowedSymbols !== undefined) expect(request.allowedSymbols).toContain(s);
          }
          expect(Number.isSafeInteger(plan.lastEventId) && plan.lastEventId >= 0).toBe(true);
          return;
        }
        const answer = rejectionResponse(plan.rejection, {});
        expect(answer.headers['content-type']).toBe('application/json');
        // Bounded whatever was sent: at most 20 entries of at most 32 characters are echoed.
        expect(answer.body.length).toBeLessThan(4_096);
        const body = JSON.parse(answer.body) as Record<string, unknown>;
        if (answer.statusCode === 403) {
          expect(body).toEqual({
            error: 'forbidden_symbols',
            message: expect.any(String),
            forbidden: expect.any(Array),
          });
          return;
        }
        expect(answer.statusCode).toBe(400);
        if (body.error === undefined) {
          expect(answer.body).toBe(MISSING_BODY);
        } else if (body.error === 'invalid_symbols') {
          expect(body).toEqual({
            error: 'invalid_symbols',
            message: expect.any(String),
            invalid: expect.any(Array),
          });
          expect((body.invalid as unknown[]).length).toBeGreaterThan(0);
        } else {
          expect(body).toEqual({ error: 'too_many_symbols', message: expect.any(String), max: maxSymbols });
        }
      }),
      { numRuns: 1_000 },
    );
  });
});
