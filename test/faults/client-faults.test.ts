/**
 * Fault suite, client side: readers that hang up in the middle of a write, a thousand connect/abort
 * cycles, and hundreds of streams at once, against the real gateway under the emulator. A stream the
 * client cut ends `client_gone` with no `end` (none is owed); every other check is the suite's usual
 * one: a fresh stream is served, nothing is left open, memory per stream bounded.
 */
import { request, type ClientRequest } from 'node:http';
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
  waitUntil,
} from '../helpers/faults-stack.ts';
import type { SseConnection } from '../helpers/sse.ts';

const SYMBOLS = ['AAPL', 'MSFT', 'NVDA', 'TSLA'];

/**
 * Retained memory per open stream (heap plus Buffers after a full collection, test/helpers/faults-
 * resources.ts). Both ends of every socket live in this one process: the client's reader, the
 * emulator's relay and response stream, the session, its upstream client and the scripted upstream's
 * side. 1 MiB is several times what that takes; a per-stream leak of a buffer or a log backlog is not.
 */
const PER_STREAM_BOUND_BYTES = 1 * MIB;

/** How a connect/abort cycle hangs up. */
type AbortPoint = 'on-connect' | 'on-headers' | 'on-first-bytes';
const ABORT_POINTS: readonly AbortPoint[] = ['on-connect', 'on-headers', 'on-first-bytes'];

/**
 * One request to `url` cut at `point`; resolves once the client side has closed, with the status
 * when the response began (the handler had written its prelude) or undefined.
 */
function connectAndAbort(url: string, point: AbortPoint): Promise<number | undefined> {
  return new Promise((resolve) => {
    let status: number | undefined;
    const req: ClientRequest = request(url, {
      headers: { accept: 'text/event-stream', connection: 'close' },
    });
    req.on('error', () => undefined); // the abort itself
    req.on('close', () => resolve(status));
    if (point === 'on-connect') req.on('socket', (socket) => socket.once('connect', () => req.destroy()));
    req.on('response', (res) => {
      status = res.statusCode;
      res.on('error', () => undefined);
      if (point === 'on-headers') req.destroy();
      else res.once('data', () => req.destroy());
    });
    req.end();
  });
}

describe('fault suite: clients misbehave', () => {
  it.each(['after ready', 'while reading a flood', 'while paused under a flood'] as const)(
    'aborts mid-write (%s): the stream ends client_gone, its upstream closes, nothing is left',
    async (when) => {
      const stack = await startFaultStack({ ledgerSymbols: SYMBOLS });
      const stream = await stack.open(SYMBOLS);
      await stack.upstream.waitForSubscribe(1, HANG_GUARD_MS);
      if (when === 'while paused under a flood') stream.pause();

      const flooding =
        when === 'after ready'
          ? undefined
          : sendAtRate(stack.upstream, stack.ledger, 80_000, scaled(500, 3_000));
      if (when === 'while reading a flood') {
        await stream.waitFor('quotes flowing', () => stream.events('quote').length > 100, HANG_GUARD_MS);
      }
      if (when === 'while paused under a flood') {
        await waitUntil('a third of the flood sent', () => stack.ledger.numbered > 10_000);
      }
      stream.destroy();
      await flooding;
      await stack.waitForSummaries(1);
      await stack.expectIdle(`abort ${when}`);
      await stack.probe();

      expect(stack.summaries()[0]).toMatchObject({ endReason: 'client_gone', endWritten: false });
      expect(streamProblems(stream, SYMBOLS, stack.ledger, { endedOnPurpose: false })).toEqual([]);
      await stack.closeAndExpectNothingLeft(`abort ${when}`);
    },
    60_000,
  );

  it('answers query keys and header names that are Object.prototype properties, and keeps serving', async () => {
    const stack = await startFaultStack({ ledgerSymbols: SYMBOLS });
    const keys = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];
    const query = keys.map((k) => `${k}=1`).join('&');
    const headers = Object.fromEntries(keys.map((k) => [k, '1']));

    const stream = await stack.open(SYMBOLS.slice(0, 1), headers);
    const bare = await stack.open([`AAPL&${query}`], headers);
    await Promise.all([stream, bare].map(waitForConnected));
    await stack.probe();

    expect([stream.status, bare.status]).toEqual([200, 200]);
    await stack.closeAndExpectNothingLeft('prototype keys');
    for (const s of [stream, bare]) {
      await s.waitForClose(HANG_GUARD_MS);
      expect(streamProblems(s, ['AAPL'], stack.ledger, { endedOnPurpose: true })).toEqual([]);
    }
  });

  it('survives connect/abort cycles at every point of the exchange and leaves nothing behind', async () => {
    const stack = await startFaultStack();
    const cycles = scaled(100, 1_000);
    const inFlight = 20;

    const statuses: (number | undefined)[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < cycles; i = next++) {
        const point = ABORT_POINTS[i % ABORT_POINTS.length] as AbortPoint;
        statuses.push(await connectAndAbort(`${stack.gateway.url}/stream?symbols=AAPL`, point));
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
    // Idle means every invocation returned: a running one holds its deadline timer at least.
    await stack.expectIdle('connect/abort cycles');
    await stack.probe();

    // Every 200 was an invocation that must have ended and said so; an abort on connect may or may
    // not have reached the server, so the summaries are at least the 200s (plus the probe's).
    const streamed = statuses.filter((s) => s === 200).length;
    await stack.waitForSummaries(streamed + 1);
    reportFigures('connect/abort', {
      cycles,
      streamed,
      summaries: stack.summaries().length,
      upstreamDials: stack.upstream.connections,
    });
    expect(statuses.filter((s) => s !== undefined && s !== 200)).toEqual([]);
    expect(streamed).toBeGreaterThanOrEqual(Math.floor((cycles * 2) / 3));
    expect(stack.summaries().length).toBeGreaterThanOrEqual(streamed + 1);
    expect(new Set(stack.summaries().map((l) => l.endReason))).toEqual(new Set(['client_gone']));
    await stack.closeAndExpectNothingLeft('connect/abort cycles');
  }, 120_000);

  it('serves hundreds of streams at once with bounded memory each, and ends every one with end', async () => {
    const stack = await startFaultStack({ ledgerSymbols: SYMBOLS });
    const count = scaled(100, 500);
    const before = retainedBytes();

    const streams: SseConnection[] = await Promise.all(
      Array.from({ length: count }, (_, i) => stack.open([SYMBOLS[i % SYMBOLS.length] as string])),
    );
    await Promise.all(streams.map(waitForConnected));
    // One upstream connection serves them all (the hub), and one frame reaches every stream.
    expect(stack.upstream.connections).toBe(1);
    stack.ledger.sendNumbered(stack.upstream, SYMBOLS.length);
    await Promise.all(
      streams.map((s) => s.waitFor('its quote', () => s.events('quote').length === 1, HANG_GUARD_MS)),
    );
    const perStream = (retainedBytes() - before) / count;
    await stack.probe();

    reportFigures('many streams', { count, perStreamKiB: perStream / 1024 });
    expect(perStream).toBeLessThan(PER_STREAM_BOUND_BYTES);
    await stack.closeAndExpectNothingLeft('many streams');
    for (const [i, stream] of streams.entries()) {
      await stream.waitForClose(HANG_GUARD_MS);
      expect(
        streamProblems(stream, [SYMBOLS[i % SYMBOLS.length] as string], stack.ledger, {
          endedOnPurpose: true,
        }),
      ).toEqual([]);
    }
  }, 120_000);
});
