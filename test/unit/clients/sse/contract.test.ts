/**
 * clients/sse/contract.ts: the payload rules every client applies (the dashboard included), read
 * from docs/CONTRACT.md §2. A frame that breaks them is an `invalid` event, never an exception.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  idleLimitMs,
  MAX_HEARTBEAT_MS,
  streamRequestHeaders,
} from '../../../../clients/sse/contract.ts';

const READY = { symbols: ['AAPL'], throttleMs: 250, heartbeatMs: 15_000, closesAt: 1_732_280_840_123 };
const QUOTE = { symbol: 'AAPL', bid: 189.12, ask: 189.14, ts: 1_732_280_000_123.5 };
/** A trade-only feed's quote (Finnhub): the last trade, no book. */
const TRADE = { symbol: 'BINANCE:BTCUSDT', last: 97_000.5, lastSize: 0.012, ts: QUOTE.ts };
const REJECTED = { symbols: ['ZZZZ'], code: 'unknown_symbol', message: 'ZZZZ is not a listed symbol' };

/** The client's clock in these tests: a minute after QUOTE's `ts`. */
const NOW = QUOTE.ts + 60_000;

const decode = (event: string | undefined, data: unknown, id?: string, now = NOW) =>
  decodeMessage({ event, data: typeof data === 'string' ? data : JSON.stringify(data), id }, () => now);

describe('decodeMessage', () => {
  it('decodes the contract events', () => {
    expect(decode('ready', READY)).toMatchObject({ type: 'ready', data: READY });
    expect(decode('quote', { ...QUOTE, last: 189.13, bidSize: 3, askSize: 4 }, '17')).toMatchObject({
      type: 'quote',
      id: '17',
      data: { ...QUOTE, last: 189.13 },
    });
    expect(decode('status', { feed: 'reconnecting', attempt: 2 })).toMatchObject({
      type: 'status',
      data: { feed: 'reconnecting', attempt: 2 },
    });
    expect(decode('end', { reason: 'deadline', quotes: 3, lastEventId: '20' })).toMatchObject({
      type: 'end',
      data: { reason: 'deadline', quotes: 3, lastEventId: '20' },
    });
  });

  it('accepts a quote without the optional last and sizes, and a status without attempt', () => {
    expect(decode('quote', QUOTE, '1').type).toBe('quote');
    expect(decode('status', { feed: 'connected' }).type).toBe('status');
  });

  it("accepts a trade-only feed's quote: last (and lastSize) without bid or ask", () => {
    const decoded = decode('quote', TRADE, '5');

    expect(decoded).toEqual({ type: 'quote', id: '5', data: TRADE, raw: JSON.stringify(TRADE) });
    expect(decode('quote', { ...TRADE, lastSize: undefined }, '6').type).toBe('quote');
    expect(decode('quote', { ...QUOTE, last: 189.13, lastSize: 40 }, '7').type).toBe('quote');
  });

  it('decodes a rejected event (no id), and a status with the reason the upstream gave', () => {
    expect(decode('rejected', REJECTED)).toEqual({
      type: 'rejected',
      data: REJECTED,
      raw: JSON.stringify(REJECTED),
    });
    expect(decode('status', { feed: 'unavailable', reason: 'auth_failed' })).toMatchObject({
      type: 'status',
      data: { feed: 'unavailable', reason: 'auth_failed' },
    });
  });

  it.each([
    ['ready without throttleMs', 'ready', { ...READY, throttleMs: undefined }, 'throttleMs'],
    ['ready without closesAt', 'ready', { ...READY, closesAt: undefined }, 'closesAt'],
    ['ready with a non-string symbol', 'ready', { ...READY, symbols: ['AAPL', 7] }, 'symbols'],
    ['quote with a string bid', 'quote', { ...QUOTE, bid: '189.12' }, 'bid'],
    ['quote with a mistyped optional last', 'quote', { ...QUOTE, last: 'n/a' }, 'last'],
    ['quote with a NaN-like size', 'quote', { ...QUOTE, bidSize: null }, 'bidSize'],
    [
      'quote with neither bid and ask nor last',
      'quote',
      { symbol: 'AAPL', ts: QUOTE.ts },
      'bid, ask or last',
    ],
    ['quote with a bid but no ask', 'quote', { ...QUOTE, ask: undefined }, 'ask'],
    ['quote with an ask but no bid', 'quote', { ...TRADE, ask: 97_001 }, 'bid'],
    ['trade-only quote with a string last', 'quote', { ...TRADE, last: '97000.5' }, 'last'],
    ['trade-only quote with a mistyped lastSize', 'quote', { ...TRADE, lastSize: 'big' }, 'lastSize'],
    ['trade-only quote without ts', 'quote', { ...TRADE, ts: undefined }, 'ts'],
    ['status with a string attempt', 'status', { feed: 'reconnecting', attempt: '2' }, 'attempt'],
    ['status with a numeric reason', 'status', { feed: 'unavailable', reason: 401 }, 'reason'],
    ['rejected without symbols', 'rejected', { ...REJECTED, symbols: undefined }, 'symbols'],
    ['rejected with a non-string symbol', 'rejected', { ...REJECTED, symbols: ['ZZZZ', 1] }, 'symbols'],
    ['rejected without code', 'rejected', { ...REJECTED, code: undefined }, 'code'],
    ['rejected without message', 'rejected', { ...REJECTED, message: undefined }, 'message'],
    ['end without quotes', 'end', { reason: 'deadline', lastEventId: '3' }, 'quotes'],
    ['end without reason', 'end', { quotes: 1 }, 'reason'],
  ])('%s is invalid, naming the field', (_name, event, data, field) => {
    expect(decode(event, data, '1')).toMatchObject({
      type: 'invalid',
      event,
      reason: `field ${field} is missing or mistyped`,
    });
  });

  // Regression, security review M1: a nanosecond `ts` crashed the ticker, a future one froze the chart.
  it.each([
    ['nanoseconds', 1.732e18],
    ['microseconds', 1.732e15],
    ['seconds', 1.732e9],
    ['before 2000-01-01', Date.UTC(1999, 11, 31, 23, 59, 59)],
    ['61 s ahead of the client', NOW + 61_000],
  ])('calls a quote whose ts is in %s invalid', (_name, ts) => {
    expect(decode('quote', { ...QUOTE, ts }, '1')).toMatchObject({
      type: 'invalid',
      event: 'quote',
      reason: 'ts outside [2000-01-01, now + 60 s]',
    });
  });

  it('accepts ts from 2000-01-01 up to 60 s ahead of the client clock, fractions included', () => {
    expect(decode('quote', { ...QUOTE, ts: Date.UTC(2000, 0, 1) }, '1').type).toBe('quote');
    expect(decode('quote', { ...QUOTE, ts: NOW + 60_000 }, '1').type).toBe('quote');
    expect(decode('quote', { ...QUOTE, ts: NOW - 86_400_000.25 }, '1').type).toBe('quote');
  });

  it('reads the clock only for quotes, and by default reads Date.now', () => {
    let reads = 0;
    const clock = (): number => {
      reads++;
      return NOW;
    };
    decodeMessage({ event: 'ready', data: JSON.stringify(READY), id: undefined }, clock);
    decodeMessage({ event: 'quote', data: JSON.stringify(QUOTE), id: '1' }, clock);

    expect(reads).toBe(1);
    expect(
      decodeMessage({ event: 'quote', data: JSON.stringify({ ...QUOTE, ts: Date.now() }), id: '1' }).type,
    ).toBe('quote');
  });

  it('calls a quote without id invalid: every quote carries one', () => {
    expect(decode('quote', QUOTE)).toMatchObject({ type: 'invalid', reason: 'quote without id' });
  });

  it.each(['{not json', '[1]', 'null', '42'])('calls data %s invalid: not a JSON object', (data) => {
    expect(decode('ready', data)).toMatchObject({ type: 'invalid', reason: 'data is not a JSON object' });
  });

  it('passes an event type it does not know as unknown, untouched', () => {
    expect(decode('news', 'Zürich €5')).toEqual({ type: 'unknown', event: 'news', raw: 'Zürich €5' });
    expect(decode(undefined, 'x')).toEqual({ type: 'unknown', event: undefined, raw: 'x' });
  });

  it("fills end's lastEventId with '' when the gateway sent none", () => {
    expect(decode('end', { reason: 'shutdown', quotes: 0 })).toMatchObject({
      data: { lastEventId: '' },
    });
  });
});

describe('idleLimitMs and streamRequestHeaders', () => {
  it('allows 10 s before ready, then two heartbeats plus 5 s', () => {
    expect(idleLimitMs(undefined)).toBe(10_000);
    expect(idleLimitMs({ ...READY, heartbeatMs: 1000 })).toBe(7000);
  });

  // Regression, security review L8: a hostile heartbeatMs overflowed the idle timer into 1 ms.
  it('clamps heartbeatMs to the contract range, so the idle limit always fits a timer', () => {
    expect(idleLimitMs({ ...READY, heartbeatMs: 2 ** 40 })).toBe(2 * MAX_HEARTBEAT_MS + 5000);
    expect(idleLimitMs({ ...READY, heartbeatMs: -1 })).toBe(5020);
    expect(idleLimitMs({ ...READY, heartbeatMs: 2 ** 40 })).toBeLessThan(2 ** 31 - 1);
  });

  it('sends Last-Event-ID only when there is one', () => {
    expect(streamRequestHeaders(undefined)).toEqual({
      accept: 'text/event-stream',
      'cache-control': 'no-cache',
    });
    expect(streamRequestHeaders('41')).toMatchObject({ 'last-event-id': '41' });
  });
});
