/**
 * Fault suite, load side: an upstream flooding at ten times the simulator's firehose profile, and
 * readers that stop reading for seconds while quotes pour in. Memory is measured as heap in use plus
 * Buffer memory after a full collection (test/helpers/faults-resources.ts), before and after the
 * fault, with the streams still open: the bound is a fixed allowance, far below what an unbounded
 * buffer of the same traffic would hold, and above the few per-symbol slots and the 64 KiB stream
 * buffers that conflation leaves. The bounds and the figures measured: test/faults/README.md.
 */
import { describe, expect, it } from 'vitest';
import { reportFigures } from '../helpers/faults-figures.ts';
import { sendAtRate } from '../helpers/faults-pace.ts';
import { MIB, retainedBytes } from '../helpers/faults-resources.ts';
import { scaled } from '../helpers/faults-scale.ts';
import {
  HANG_GUARD_MS,
  startFaultStack,
  streamProblems,
  waitForConnected,
  type FaultStack,
} from '../helpers/faults-stack.ts';
import type { SseConnection } from '../helpers/sse.ts';

/** 40 symbols the numbered quotes rotate over. */
const SYMBOLS = Array.from({ length: 40 }, (_, i) => `SYM${i}`);
/** The simulator's `firehose` profile offers about 8,000 quotes/s (README, Simulator). */
const FIREHOSE_RATE = 8_000;
/**
 * Growth of retained memory allowed across a fault, with the streams still open. Conflation keeps one
 * slot per symbol and each stream's buffers stop at their 64 KiB high-water marks, so well under
 * 1 MiB is expected; 8 MiB is slack for V8's own variation. An unbounded buffer behind a paused reader
 * would retain the whole flood (about 13 MB short, about 90 MB full).
 */
const GROWTH_BOUND_BYTES = 8 * MIB;

/** Wait until `stream` has delivered the newest numbered quote of each of `symbols`. */
async function waitForNewest(
  stack: FaultStack,
  stream: SseConnection,
  symbols: readonly string[],
): Promise<void> {
  const { ledger } = stack;
  const newest = new Map<string, number>();
  for (let n = ledger.numbered - 1; n >= 0 && newest.size < SYMBOLS.length; n -= 1) {
    const { symbol } = ledger.numberedQuote(n);
    if (!newest.has(symbol)) newest.set(symbol, n);
  }
  const seen = new Set<string>();
  let scanned = 0;
  await stream.waitFor(
    `the newest quote of each of ${symbols.length} symbols`,
    (items) => {
      for (; scanned < items.length; scanned += 1) {
        const item = items[scanned];
        if (item?.kind !== 'event' || item.event !== 'quote') continue;
        const q = JSON.parse(item.data) as { symbol: string; bidSize: number };
        if (newest.get(q.symbol) === q.bidSize) seen.add(q.symbol);
      }
      return symbols.every((s) => seen.has(s));
    },
    HANG_GUARD_MS * 3,
  );
}

/** Check a reading stream got the newest of its symbol and only sent quotes, then hang it up. */
async function judgeAndHangUp(
  stack: FaultStack,
  held: SseConnection[],
): Promise<{ problems: string[]; got: number }> {
  const stream = held.pop() as SseConnection;
  await waitForNewest(stack, stream, ['SYM0']);
  const problems = streamProblems(stream, ['SYM0'], stack.ledger, { endedOnPurpose: false });
  const got = stream.events('quote').length;
  stream.destroy();
  await stream.waitForClose(HANG_GUARD_MS);
  return { problems, got };
}

describe('fault suite: load', () => {
  it('floods at 10× the firehose rate: a paused reader costs bounded memory, every stream stays true', async () => {
    const stack = await startFaultStack({ ledgerSymbols: SYMBOLS });
    // Held in an array the judge empties, so nothing here keeps the stream alive afterwards.
    const reading = [await stack.open(['SYM0'])];
    const paused = await stack.open(SYMBOLS);
    await Promise.all([...reading, paused].map(waitForConnected));
    paused.pause();
    const before = retainedBytes();

    const flood = await sendAtRate(stack.upstream, stack.ledger, 10 * FIREHOSE_RATE, scaled(1_500, 10_000));
    // The reading stream's events and bytes are test-side memory (megabytes in the full form): judge
    // them and hang up inside judgeAndHangUp, which keeps no reference, before measuring the gateway.
    const { problems: readingProblems, got: readingGot } = await judgeAndHangUp(stack, reading);
    await stack.waitForSummaries(1);
    const growth = retainedBytes() - before;
    await stack.probe();
    paused.resume();
    await waitForNewest(stack, paused, SYMBOLS);

    reportFigures('flood', {
      ...flood,
      growthMiB: growth / MIB,
      readingGot,
      pausedGot: paused.events('quote').length,
    });
    expect(readingProblems).toEqual([]);
    expect(growth).toBeLessThan(GROWTH_BOUND_BYTES);
    await stack.closeAndExpectNothingLeft('flood');
    await paused.waitForClose(HANG_GUARD_MS);
    expect(streamProblems(paused, SYMBOLS, stack.ledger, { endedOnPurpose: true })).toEqual([]);
    const summary = stack.summaries().find((l) => (l.symbols as string[]).length === SYMBOLS.length);
    expect(summary).toMatchObject({ endReason: 'shutdown', endWritten: true });
    expect(summary?.droppedByConflation as number).toBeGreaterThan(0);
    expect(paused.events('quote').length).toBeLessThan(flood.quotes);
  }, 120_000);

  it('a reader that pauses for seconds: heartbeats and the newest quotes resume after, others are not held up', async () => {
    const stack = await startFaultStack({ ledgerSymbols: SYMBOLS, env: { HEARTBEAT_MS: '50' } });
    const symbols = SYMBOLS.slice(0, 8);
    const stream = await stack.open(symbols);
    await stack.upstream.waitForSubscribe(1, HANG_GUARD_MS);
    stream.pause();
    const before = retainedBytes();

    // The pause lasts as long as the upstream keeps sending at the firehose rate.
    const sending = sendAtRate(stack.upstream, stack.ledger, FIREHOSE_RATE, scaled(1_000, 5_000));
    // Another stream opened during the pause is served at once.
    await stack.probe();
    const sent = await sending;
    const growth = retainedBytes() - before;
    const heardBefore = stream.items.length;
    stream.resume();
    await waitForNewest(stack, stream, symbols);
    await stream.waitFor(
      'a heartbeat after the pause',
      (items) => items.slice(heardBefore).some((i) => i.kind === 'comment'),
      HANG_GUARD_MS,
    );

    reportFigures('paused reader', { ...sent, growthMiB: growth / MIB, got: stream.events('quote').length });
    expect(growth).toBeLessThan(GROWTH_BOUND_BYTES);
    await stack.closeAndExpectNothingLeft('paused reader');
    await stream.waitForClose(HANG_GUARD_MS);
    expect(streamProblems(stream, symbols, stack.ledger, { endedOnPurpose: true })).toEqual([]);
  }, 120_000);
});
