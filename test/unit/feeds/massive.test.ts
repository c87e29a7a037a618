import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { massiveAdapter } from '../../../feeds/massive.ts';
import * as fixture from '../../fixtures/vendors/massive.ts';

/** The receiving clock: the documented examples are from 2018, so any later time will do. */
const NOW = Date.UTC(2026, 0, 15, 12);
/** An obviously fake key. */
const CREDENTIALS = { MASSIVE_API_KEY: 'test-api-key' };

const decode = (frame: string) => massiveAdapter.decode(frame, NOW);

describe('massive adapter: declared behaviour', () => {
  it('dials the real-time stocks cluster by default and needs one key', () => {
    expect(massiveAdapter.name).toBe('massive');
    expect(massiveAdapter.defaultUrl).toBe('wss://socket.massive.com/stocks');
    expect(massiveAdapter.credentialNames).toEqual(['MASSIVE_API_KEY']);
  });

  it('authenticates in-band, holds subscribes for the answer and pings the server itself', () => {
    expect(massiveAdapter.openFrames?.(CREDENTIALS)).toEqual(['{"action":"auth","params":"test-api-key"}']);
    expect(massiveAdapter.awaitsReady).toBe(true);
    expect(massiveAdapter.liveness).toEqual({ clientPings: true });
    expect(massiveAdapter.dialUrl).toBeUndefined();
  });

  it('subscribes and unsubscribes the NBBO quote channel of every symbol in one frame', () => {
    expect(massiveAdapter.subscribeFrames(['AAPL', 'MSFT', 'BRK.B'])).toEqual([
      '{"action":"subscribe","params":"Q.AAPL,Q.MSFT,Q.BRK.B"}',
    ]);
    expect(massiveAdapter.unsubscribeFrames(['MSFT'])).toEqual([
      '{"action":"unsubscribe","params":"Q.MSFT"}',
    ]);
    expect(massiveAdapter.subscribeFrames([])).toEqual([]);
    expect(massiveAdapter.unsubscribeFrames([])).toEqual([]);
  });
});

describe('massive adapter: decoding the documented messages', () => {
  it('reads auth_success as ready and ignores the connected and subscribed statuses', () => {
    expect(decode(fixture.CONNECTED)).toEqual({ messages: [], malformed: 0 });
    expect(decode(fixture.AUTH_SUCCESS)).toEqual({ messages: [{ type: 'ready' }], malformed: 0 });
    expect(decode(fixture.SUBSCRIBED)).toEqual({ messages: [], malformed: 0 });
  });

  it('turns a quote into a two-sided quote with its sizes as sent and its ms timestamp', () => {
    expect(decode(`[${fixture.QUOTE}]`)).toEqual({
      messages: [
        {
          type: 'quote',
          quote: {
            symbol: 'MSFT',
            bid: 114.125,
            ask: 114.128,
            bidSize: 100,
            askSize: 160,
            ts: 1536036818784,
          },
        },
      ],
      malformed: 0,
    });
  });

  it('decodes a frame mixing a trade and a quote, the trade as a trade-only quote', () => {
    expect(decode(fixture.MIXED).messages).toEqual([
      { type: 'quote', quote: { symbol: 'MSFT', last: 114.125, lastSize: 100, ts: 1536036818784 } },
      { type: 'quote', quote: expect.objectContaining({ symbol: 'MSFT', bid: 114.125, ask: 114.128 }) },
    ]);
  });

  it.each([
    ['auth_failed', fixture.AUTH_FAILED, 'auth_failed'],
    ['max_connections', fixture.MAX_CONNECTIONS, 'too_many_connections'],
    ['auth_timeout', fixture.AUTH_TIMEOUT, 'refused'],
  ])('refuses the connection on %s', (status, frame, reason) => {
    expect(decode(frame)).toEqual({
      messages: [{ type: 'refused', reason, message: expect.stringContaining(status) }],
      malformed: 0,
    });
  });

  it('reports an error status as an error', () => {
    expect(decode('[{"ev":"status","status":"error","message":"bad params"}]').messages).toEqual([
      { type: 'error', code: 'massive_error', message: 'Massive: bad params' },
    ]);
  });

  it('ignores events it does not use (aggregates, LULD) and statuses it does not know', () => {
    const frame = '[{"ev":"AM","sym":"MSFT","o":1},{"ev":"LULD","T":"MSFT"},{"ev":"status","status":"new"}]';

    expect(decode(frame)).toEqual({ messages: [], malformed: 0 });
  });
});

describe('massive adapter: malformed input', () => {
  const at = 1536036818784;
  it.each([
    ['bad JSON', '[{"ev":', 1],
    ['an element without ev', '[{"sym":"MSFT"}]', 1],
    ['a status without status', '[{"ev":"status"}]', 1],
    ['a quote with a string price', `[{"ev":"Q","sym":"A","bp":"x","ap":1,"t":${at}}]`, 1],
    ['a one-sided quote', `[{"ev":"Q","sym":"A","ap":1,"t":${at}}]`, 1],
    ['a crossed quote', `[{"ev":"Q","sym":"A","bp":2,"ap":1,"t":${at}}]`, 1],
    ['a quote with a negative size', `[{"ev":"Q","sym":"A","bp":1,"ap":2,"bs":-1,"t":${at}}]`, 1],
    ['a quote in nanoseconds', `[{"ev":"Q","sym":"A","bp":1,"ap":2,"t":${at * 1e6}}]`, 1],
    ['a trade without a price', `[{"ev":"T","sym":"A","s":1,"t":${at}}]`, 1],
    ['two bad elements beside a good one', `[1,"x",${fixture.QUOTE}]`, 2],
  ])('counts %s as malformed and keeps the rest', (_name, frame, count) => {
    const decoded = decode(frame);

    expect(decoded.malformed).toBe(count);
    expect(decoded.messages.every((m) => m.type === 'quote')).toBe(true);
  });
});

describe('massive adapter: credentials', () => {
  it('puts the key in the auth frame only', () => {
    const everything = [
      massiveAdapter.defaultUrl,
      ...massiveAdapter.subscribeFrames(['AAPL']),
      ...massiveAdapter.unsubscribeFrames(['AAPL']),
      ...[fixture.AUTH_FAILED, fixture.MAX_CONNECTIONS].map((frame) => JSON.stringify(decode(frame))),
      JSON.stringify(decode('[{"ev":"status","status":"auth_failed","message":"bad key test-api-key"}]')),
    ].join('\n');

    expect(everything).not.toContain('test-api-key');
    expect(massiveAdapter.openFrames?.(CREDENTIALS).join('')).toContain('test-api-key');
  });
});

describe('property: massive decode', () => {
  const element = fc.record(
    {
      ev: fc.constantFrom('Q', 'T', 'status', 'AM', 3),
      sym: fc.oneof(fc.constantFrom('MSFT', ''), fc.anything()),
      bp: fc.oneof(fc.double(), fc.string(), fc.anything()),
      ap: fc.oneof(fc.double(), fc.anything()),
      bs: fc.anything(),
      p: fc.oneof(fc.double(), fc.anything()),
      t: fc.oneof(fc.integer({ min: 0, max: NOW + 120_000 }), fc.anything()),
      status: fc.oneof(
        fc.constantFrom('auth_success', 'auth_failed', 'max_connections', 'error'),
        fc.anything(),
      ),
      message: fc.anything(),
    },
    { requiredKeys: [] },
  );

  it('never throws, and every element is a message, ignored or counted malformed', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(element).map((a) => JSON.stringify(a)),
          fc.string(),
          fc.json(),
        ),
        (frame) => {
          const { messages, malformed } = decode(frame);

          expect(Number.isInteger(malformed) && malformed >= 0).toBe(true);
          for (const m of messages) expect(m.type).toMatch(/^(quote|error|refused|ready)$/);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
