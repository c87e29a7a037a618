/**
 * clients/sse/contract.ts: the payload rules every client applies (the dashboard included), read
 * from docs/CONTRACT.md §2. A frame that breaks them is an `invalid` event, never an exception.
 */
import { describe, expect, it } from 'vitest';
import { decodeMessage, idleLimitMs, streamRequestHeaders } from '../../../../clients/sse/contract.ts';

const READY = { symbols: ['AAPL'], throttleMs: 250, heartbeatMs: 15_000, closesAt: 1_732_280_840_123 };
const QUOTE = { symbol: 'AAPL', bid: 189.12, ask: 189.14, ts: 1_732_280_000_123.5 };

const decode = (event: string | undefined, data: unknown, id?: string) =>
  decodeMessage({ event, data: typeof data === 'string' ? data : JSON.stringify(data), id });

describe('decodeMessage', () => {
  it('decodes the four contract events', () => {
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

  it.each([
    ['ready without throttleMs', 'ready', { ...READY, throttleMs: undefined }, 'throttleMs'],
    ['ready without closesAt', 'ready', { ...READY, closesAt: undefined }, 'closesAt'],
    ['ready with a non-string symbol', 'ready', { ...READY, symbols: ['AAPL', 7] }, 'symbols'],
    ['quote with a string bid', 'quote', { ...QUOTE, bid: '189.12' }, 'bid'],
    ['quote with a mistyped optional last', 'quote', { ...QUOTE, last: 'n/a' }, 'last'],
    ['quote with a NaN-like size', 'quote', { ...QUOTE, bidSize: null }, 'bidSize'],
    ['status with a string attempt', 'status', { feed: 'reconnecting', attempt: '2' }, 'attempt'],
    ['end without quotes', 'end', { reason: 'deadline', lastEventId: '3' }, 'quotes'],
    ['end without reason', 'end', { quotes: 1 }, 'reason'],
  ])('%s is invalid, naming the field', (_name, event, data, field) => {
    expect(decode(event, data, '1')).toMatchObject({
      type: 'invalid',
      event,
      reason: `field ${field} is missing or mistyped`,
    });
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

  it('sends Last-Event-ID only when there is one', () => {
    expect(streamRequestHeaders(undefined)).toEqual({
      accept: 'text/event-stream',
      'cache-control': 'no-cache',
    });
    expect(streamRequestHeaders('41')).toMatchObject({ 'last-event-id': '41' });
  });
});
