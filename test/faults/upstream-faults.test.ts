/**
 * Fault suite, upstream side: the real gateway (handler under the emulator) in front of a scripted
 * upstream that refuses, cuts mid-frame, stalls, sends oversized frames, garbage, wrong types and
 * implausible numbers, or accepts, acknowledges and drops. Each scenario then checks the same four
 * things: the stream obeys the contract (only sent quotes, for requested symbols, ids increasing, a
 * purposeful end carries `end`), a fresh stream is still served, and every socket, timer and
 * listener the scenario opened is gone once it ends. What each one found: test/faults/README.md.
 */
import { describe, expect, it } from 'vitest';
import { scaled } from '../helpers/faults-scale.ts';
import { HANG_GUARD_MS, startFaultStack, streamProblems, type FaultStack } from '../helpers/faults-stack.ts';
import type { SseConnection } from '../helpers/sse.ts';

const SYMBOLS = ['AAPL', 'MSFT'];

type Json = Record<string, unknown>;
const statuses = (stream: SseConnection): Json[] =>
  stream.events('status').map((e) => JSON.parse(e.data) as Json);
const hasStatus = (stream: SseConnection, feed: string, count = 1): boolean =>
  statuses(stream).filter((s) => s.feed === feed).length >= count;

/** The scenario's stack, its numbered quotes all for the watched symbols. */
const startStack = (options: Parameters<typeof startFaultStack>[0] = {}): Promise<FaultStack> =>
  startFaultStack({ ledgerSymbols: SYMBOLS, ...options });

/** Open the stream a scenario watches and wait until its upstream connection is subscribed. */
async function openWatched(stack: FaultStack): Promise<SseConnection> {
  const stream = await stack.open(SYMBOLS);
  await stack.upstream.waitForSubscribe(1, HANG_GUARD_MS);
  return stream;
}

/** A fresh stream is served, the gateway's shutdown ends `stream` with `end`, nothing is left open. */
async function finishScenario(stack: FaultStack, stream: SseConnection, what: string): Promise<void> {
  await stack.probe();
  await stack.closeAndExpectNothingLeft(what);
  await stream.waitForClose(HANG_GUARD_MS);
  expect(streamProblems(stream, SYMBOLS, stack.ledger, { endedOnPurpose: true })).toEqual([]);
  expect(JSON.parse(stream.events('end')[0]?.data ?? '{}')).toMatchObject({ reason: 'shutdown' });
}

/** Send numbered quotes until `stream` has received `count` more of them. */
async function expectQuotesFlow(stack: FaultStack, stream: SseConnection, count = 3): Promise<void> {
  const target = stream.events('quote').length + count;
  stack.ledger.sendNumbered(stack.upstream, count);
  await stream.waitFor(`${count} more quotes`, () => stream.events('quote').length >= target, HANG_GUARD_MS);
}

describe('fault suite: the upstream misbehaves', () => {
  it('refuses every connection: status reconnecting then unavailable, heartbeats go on, no quote', async () => {
    const stack = await startStack({ env: { UPSTREAM_MAX_ATTEMPTS: '2', HEARTBEAT_MS: '50' } });
    stack.upstream.refuse(true);

    const stream = await stack.open(SYMBOLS);
    await stream.waitFor('unavailable', () => hasStatus(stream, 'unavailable'), HANG_GUARD_MS);
    const beats = stream.items.filter((i) => i.kind === 'comment').length;
    await stream.waitFor(
      'heartbeats after unavailable',
      (items) => items.filter((i) => i.kind === 'comment').length >= beats + 2,
      HANG_GUARD_MS,
    );

    expect(statuses(stream).slice(0, 2)).toEqual([
      { feed: 'reconnecting', attempt: 1 },
      { feed: 'unavailable', attempt: 2 },
    ]);
    expect(stack.upstream.connections).toBe(0);
    expect(stream.events('quote')).toEqual([]);
    stack.upstream.refuse(false);
    await finishScenario(stack, stream, 'refused upstream');
  });

  it('cuts the connection in the middle of a frame: no part of that frame reaches the client', async () => {
    const stack = await startStack({ viaProxy: true });
    const stream = await openWatched(stack);
    await expectQuotesFlow(stack, stream);
    const before = stream.events('quote').length;

    const cut = (stack.proxy as NonNullable<FaultStack['proxy']>).cutNextChunk();
    const firstCut = stack.ledger.numbered;
    stack.ledger.sendNumbered(stack.upstream, 50);
    const { forwarded, chunkBytes } = await cut;
    await stream.waitFor('reconnected', () => hasStatus(stream, 'connected', 2), HANG_GUARD_MS);
    await stack.upstream.waitForSubscribe(2, HANG_GUARD_MS);
    await expectQuotesFlow(stack, stream);

    expect(forwarded).toBeGreaterThan(0);
    expect(forwarded).toBeLessThan(chunkBytes);
    const cutQuotes = stream
      .events('quote')
      .slice(before)
      .map((e) => (JSON.parse(e.data) as { bidSize: number }).bidSize)
      .filter((n) => n >= firstCut && n < firstCut + 50);
    expect(cutQuotes).toEqual([]);
    expect(statuses(stream)).toEqual([
      { feed: 'connected' },
      { feed: 'reconnecting', attempt: 1 },
      { feed: 'connected' },
    ]);
    await finishScenario(stack, stream, 'mid-frame cut');
  });

  it('stalls (no data, no pong): the stream keeps heartbeating and, once the ping times out, reconnects', async () => {
    const stack = await startStack({ env: { HEARTBEAT_MS: '50' } });
    const stream = await openWatched(stack);
    await expectQuotesFlow(stack, stream);

    stack.upstream.stall(true);
    const beats = stream.items.filter((i) => i.kind === 'comment').length;
    await stream.waitFor(
      'heartbeats while stalled',
      (items) => items.filter((i) => i.kind === 'comment').length >= beats + 3,
      HANG_GUARD_MS,
    );
    // The full form waits out the upstream client's liveness check (a ping every 10 s, dead when the
    // next one finds the last unanswered: feeds/upstream.ts), which the short form cannot afford.
    if (scaled(false, true)) {
      await stream.waitFor(
        'reconnecting after the ping timeout',
        () => hasStatus(stream, 'reconnecting'),
        40_000,
      );
      expect(stack.gateway.logs).toContainEqual(
        expect.objectContaining({ msg: 'upstream connection failed', reason: 'ping_timeout' }),
      );
    }
    expect(stream.isClosed).toBe(false);
    stack.upstream.stall(false);
    // After a reconnect (full form) the new connection's subscribe is read once the stall ends.
    await stack.upstream.waitForSubscribe(scaled(1, 2), HANG_GUARD_MS);
    await expectQuotesFlow(stack, stream);
    await finishScenario(stack, stream, 'stalled upstream');
  }, 90_000);

  it('sends frames above the 64 KiB cap: counted malformed, the socket replaced, nothing of them delivered', async () => {
    const stack = await startStack();
    const stream = await openWatched(stack);
    const sizes = scaled([100 * 1024], [100 * 1024, 1024 * 1024, 8 * 1024 * 1024]);

    for (const [k, bytes] of sizes.entries()) {
      const filler = 'x'.repeat(bytes);
      stack.upstream.send(
        JSON.stringify([{ type: 'quote', symbol: 'AAPL', bid: 1, ask: 2, ts: Date.now(), filler }]),
      );
      await stream.waitFor(`reconnect ${k + 1}`, () => hasStatus(stream, 'connected', k + 2), HANG_GUARD_MS);
      await stack.upstream.waitForSubscribe(k + 2, HANG_GUARD_MS);
      await expectQuotesFlow(stack, stream);
    }

    expect(stream.events('quote').every((e) => !e.data.includes('filler'))).toBe(true);
    await finishScenario(stack, stream, 'oversized frames');
    const summary = stack.summaries().find((l) => (l.symbols as string[]).includes('AAPL'));
    expect(summary).toMatchObject({ malformedFrames: sizes.length, upstreamReconnects: sizes.length });
  });

  it('sends invalid JSON, wrong types and unknown shapes: each counted, the good quotes between them delivered', async () => {
    const stack = await startStack();
    const stream = await openWatched(stack);
    const now = Date.now();
    const good = { type: 'quote', symbol: 'AAPL', bid: 10, ask: 11, ts: now };
    const garbage = [
      '{"type":"quote","symbol":',
      '',
      'null',
      '"quote"',
      '[[[[[[[[[[]]]]]]]]]]',
      '{"type":"quote"}',
      '\u0000\u0001',
      '\ud800',
      '[' + '['.repeat(5000) + ']'.repeat(5000) + ']',
    ];
    const wrongTypes: Json[] = [
      { ...good, symbol: 42 },
      { ...good, symbol: ['AAPL'] },
      { ...good, symbol: '' },
      { ...good, symbol: 'A'.repeat(10_000) },
      { ...good, bid: '10' },
      { ...good, ask: { value: 11 } },
      { ...good, bid: true },
      { ...good, bidSize: '300' },
      { ...good, askSize: [200] },
      { ...good, ts: String(now) },
      { ...good, ts: [now] },
      { ...good, type: 42 },
      { type: 'subscribed', symbols: 'AAPL' },
      { type: 'error', code: 7 },
    ];

    for (const frame of garbage) stack.upstream.send(frame);
    stack.upstream.send(JSON.stringify(wrongTypes));
    // Unknown types and fields are ignored (contract §1), not counted.
    stack.upstream.send(JSON.stringify([{ type: 'trade', symbol: 'AAPL' }, { type: 'hello' }]));
    await expectQuotesFlow(stack, stream);

    // Counted per part (feeds/native.ts): one per garbage frame, one per unusable array element.
    await finishScenario(stack, stream, 'garbage frames');
    const summary = stack.summaries().find((l) => (l.symbols as string[]).includes('AAPL'));
    expect(summary).toMatchObject({
      malformedFrames: garbage.length + wrongTypes.length,
      upstreamReconnects: 0,
    });
  });

  it('sends NaN, Infinity, null and implausible timestamps: none reaches the client', async () => {
    const stack = await startStack();
    const stream = await openWatched(stack);
    const now = Date.now();
    const good = { type: 'quote', symbol: 'MSFT', bid: 10, ask: 11, ts: now };
    // JSON has no NaN or Infinity: a feed writes them as strings, as null, or as an overflowing literal.
    const bad: string[] = [
      JSON.stringify({ ...good, bid: 'NaN' }),
      JSON.stringify({ ...good, ask: 'Infinity' }),
      JSON.stringify({ ...good, bid: null }),
      JSON.stringify({ ...good, ts: null }),
      JSON.stringify({ ...good, bidSize: null }),
      '{"type":"quote","symbol":"MSFT","bid":1e400,"ask":2e400,"ts":' + now + '}',
      '{"type":"quote","symbol":"MSFT","bid":-1e400,"ask":11,"ts":' + now + '}',
      '{"type":"quote","symbol":"MSFT","bid":10,"ask":11,"ts":1e400}',
      JSON.stringify({ ...good, bid: 0 }),
      JSON.stringify({ ...good, bid: -10 }),
      JSON.stringify({ ...good, bid: 12, ask: 11 }),
      JSON.stringify({ ...good, bidSize: -1 }),
      // [contract §1] ts outside [2000-01-01, now + 60 s]: clocks in ns, µs and s, and the future.
      JSON.stringify({ ...good, ts: now * 1e6 }),
      JSON.stringify({ ...good, ts: now * 1e3 }),
      JSON.stringify({ ...good, ts: Math.floor(now / 1000) }),
      JSON.stringify({ ...good, ts: now + 10 * 60_000 }),
      JSON.stringify({ ...good, ts: 0 }),
      JSON.stringify({ ...good, ts: -now }),
    ];

    for (const frame of bad) stack.upstream.send(frame);
    // `last: null` means "no trade yet" and is dropped from the quote, not the quote dropped.
    stack.ledger.sendRaw(stack.upstream, { ...good, bid: 10.5, last: null });
    await expectQuotesFlow(stack, stream);

    const delivered = stream.events('quote').map((e) => JSON.parse(e.data) as Json);
    expect(delivered[0]).toEqual({ symbol: 'MSFT', bid: 10.5, ask: 11, ts: now });
    await finishScenario(stack, stream, 'implausible numbers');
    const summary = stack.summaries().find((l) => (l.symbols as string[]).includes('MSFT'));
    expect(summary).toMatchObject({ malformedFrames: bad.length });
  });

  describe.each([
    ['subscribed', (symbols: string[]) => [{ type: 'subscribed', symbols }]],
    [
      'subscribed and a quote',
      (symbols: string[]) => [
        { type: 'subscribed', symbols },
        { type: 'quote', symbol: symbols[0], bid: 1, ask: 1.01, ts: Date.now() },
      ],
    ],
  ])('accepts, acknowledges with %s, and drops, on every connection', (_name, ack) => {
    it('backs off and reaches unavailable after UPSTREAM_MAX_ATTEMPTS', async () => {
      const maxAttempts = 3;
      const stack = await startStack({ env: { UPSTREAM_MAX_ATTEMPTS: String(maxAttempts) } });
      const stream = await stack.open(SYMBOLS);
      let acked = 0;
      let isAcking = true;
      // Each connection of the stream subscribes once; answer it, then cut it.
      const acking = (async () => {
        while (isAcking) {
          const frame = await stack.upstream
            .waitForSubscribe(acked + 1, HANG_GUARD_MS)
            .catch(() => undefined);
          if (frame === undefined || !isAcking) return;
          acked += 1;
          for (const message of ack(frame.symbols)) stack.ledger.sendRaw(stack.upstream, message as Json);
          await stack.upstream.flush();
          stack.upstream.drop();
        }
      })();

      try {
        await stream.waitFor('unavailable', () => hasStatus(stream, 'unavailable'), scaled(10_000, 30_000));
      } finally {
        isAcking = false;
      }
      const dials = stack.upstream.attempts.value;
      expect(statuses(stream).find((s) => s.feed === 'unavailable')).toEqual({
        feed: 'unavailable',
        attempt: maxAttempts,
      });
      // The dial after `unavailable` may already be under way (a jittered delay can be ~0 ms).
      expect(dials).toBeGreaterThanOrEqual(maxAttempts);
      expect(dials).toBeLessThanOrEqual(maxAttempts + 1);
      await acking;
      await finishScenario(stack, stream, 'accept-ack-drop');
    }, 60_000);
  });
});
