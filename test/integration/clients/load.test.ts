/**
 * clients/loadtest/main.ts as a child process against test/helpers/sse-server.ts; the run tests read
 * the `--json` summary. The per-stream accounting fed synthetic bytes: test/unit/clients/loadtest/.
 * "any server" tests need only a contract server's `url`; the exact-count tests need a scripted
 * one, because a real gateway ends streams on its own schedule.
 */
import { readFileSync } from 'node:fs';
import { describe, test } from 'vitest';
import { runClient, runLoadWithSummary, tempFile, type Cleanup, type LoadRun } from '../../helpers/cli.ts';
import { contractStream, startSseServer, type Script, type SseServer } from '../../helpers/sse-server.ts';

async function startTarget(onTestFinished: Cleanup, script?: Script): Promise<SseServer> {
  const server = await startSseServer(script === undefined ? {} : { script });
  onTestFinished(() => server.close());
  return server;
}

/** Run the load tester to completion; the runner's timeout is the only bound (it stops by itself). */
const runLoad = (onTestFinished: Cleanup, args: string[]) => runClient('loadtest', args, { onTestFinished });

/** The same, with `--json`: the summary it saved, parsed. */
const runLoadForSummary = (onTestFinished: Cleanup, load: LoadRun) =>
  runLoadWithSummary(load, { onTestFinished });

// The runs spend most of their time waiting on timers and sockets, so they overlap well.
describe.concurrent('loadtest run', () => {
  test('3 connections for 2 s: opened 3, clean ends with Last-Event-ID reconnects, no id gaps', async ({
    onTestFinished,
    expect,
  }) => {
    const script = contractStream({ quotes: 5, intervalMs: 20, retryMs: 20, heartbeatEvery: 2 });
    const server = await startTarget(onTestFinished, script);

    const run = await runLoadForSummary(onTestFinished, {
      url: server.url,
      connections: 3,
      durationS: 2,
      symbols: 'AAPL,MSFT',
    });

    expect(run.code, run.stderr).toBe(0);
    const s = run.summary;
    expect(s.streams).toEqual({ opened: 3, failed: 0, notStarted: 0 });
    expect(s.ends.clean).toBeGreaterThanOrEqual(3);
    expect(s.ends.cut).toBe(0);
    expect(s.reconnects).toBeGreaterThanOrEqual(3);
    expect(s.requests.total).toBe(server.requests.length);
    expect(s.requests.total).toBe(3 + s.reconnects);
    expect(s.ids).toEqual({ gaps: 0, missing: 0, outOfOrder: 0, invalid: 0 });
    expect(s.endMismatches).toBe(0);
    expect(s.heartbeats).toBeGreaterThan(0);
    // A stream whose headers arrived just before the stop may have no first byte yet: one per client at most.
    expect(s.timeToFirstByteMs.count).toBeLessThanOrEqual(s.requests.ok);
    expect(s.timeToFirstByteMs.count).toBeGreaterThanOrEqual(s.requests.ok - 3);
    expect(s.quoteLatencyMs.count).toBe(s.events.quote);
    expect(s.cpu.userMs).toBeGreaterThan(0);
    // Every request after a client's first carried the last id that client saw.
    expect(server.requests.filter((r) => r.lastEventId === undefined)).toHaveLength(3);
    expect(
      server.requests.filter((r) => r.lastEventId !== undefined).every((r) => /^\d+$/.test(r.lastEventId!)),
    ).toBe(true);
    expect(run.stdout).toContain('streams opened        3 / 3');
    expect(run.stdout).toMatch(/one clock/);
    expect(run.stderr).toMatch(/^load: +\d+\.\ds +open \d\/3 +quotes \d+/m);
  });

  test('counts cut streams, failures and the first 400 body; exit 1 when no stream opened', async ({
    onTestFinished,
    expect,
  }) => {
    const server = await startTarget(onTestFinished);

    const run = await runLoadForSummary(onTestFinished, {
      url: server.url,
      connections: 2,
      durationS: 0.5,
      symbols: 'BTC-',
      quiet: true,
    });

    expect(run.code).toBe(1);
    const s = run.summary;
    expect(s.streams).toEqual({ opened: 0, failed: 2, notStarted: 0 });
    expect(s.requests).toMatchObject({ total: 2, failed: 2, failures: { http_400: 2 } });
    expect(s.requests.firstRefusal).toMatch(/^HTTP 400: .*invalid_symbols/);
    expect(server.requests).toHaveLength(2); // a 400 is final: no retries
  });

  test('a stream without end is cut, and the reconnect still continues the ids', async ({
    onTestFinished,
    expect,
  }) => {
    const server = await startTarget(onTestFinished, (s) =>
      contractStream({ quotes: 3, retryMs: 20, finish: s.request.index === 0 ? 'eof' : 'hold' })(s),
    );

    // A cut backs off for 1 to 2 s (the failure floor, whatever the retry: hint), so 3 s hold the reconnect.
    const run = await runLoadForSummary(onTestFinished, {
      url: server.url,
      connections: 1,
      durationS: 3,
      quiet: true,
    });

    expect(run.code).toBe(0);
    const s = run.summary;
    expect(s.ends).toMatchObject({ clean: 0, cut: 1, heldAtStop: 1, cutReasons: { eof_without_end: 1 } });
    expect(server.requests.map((r) => r.lastEventId)).toEqual([undefined, '3']);
    expect(s.ids.gaps).toBe(0);
  });
});

describe.concurrent('loadtest arguments', () => {
  test('any server: refuses a non-loopback URL without --allow-remote', async ({
    onTestFinished,
    expect,
  }) => {
    const run = await runLoad(onTestFinished, ['--url', 'http://192.0.2.10/stream', '--duration', '1']);

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/refusing to load-test 192\.0\.2\.10: it is not loopback.*--allow-remote/);
    expect(run.stdout).toBe('');
  });

  test('refuses out-of-bound numbers with exit 2 (connections ≤ 5000, duration ≤ 3600, ramp ≤ duration)', async ({
    onTestFinished,
    expect,
  }) => {
    const cases = [
      ['--connections', '5001'],
      ['--connections', '0'],
      ['--duration', '3601'],
      ['--ramp', '20'],
    ];

    const runs = await Promise.all(
      cases.map(([flag, value]) => runLoad(onTestFinished, ['--duration', '10', flag!, value!])),
    );

    runs.forEach((run, i) => {
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`${cases[i]![0]} must be`);
    });
  });

  test('--help points at --self-test for throughput figures and prints none of its own', async ({
    onTestFinished,
    expect,
  }) => {
    const run = await runLoad(onTestFinished, ['--help']);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--self-test');
    expect(run.stdout).not.toMatch(/\d{1,3},\d{3}/); // a figure like "660,000" goes stale unnoticed
  });

  test('--self-test reports a verified parse rate through the live parsing path', async ({
    onTestFinished,
    expect,
  }) => {
    const json = tempFile('self.json', onTestFinished);

    const run = await runLoad(onTestFinished, ['--self-test', '--duration', '0.1', '--json', json]);

    expect(run.code, run.stdout).toBe(0);
    const { selfTest } = JSON.parse(readFileSync(json, 'utf8')) as {
      selfTest: { eventsPerSecond: number; verified: boolean }[];
    };
    expect(selfTest).toHaveLength(2);
    for (const f of selfTest)
      expect(f).toMatchObject({ verified: true, eventsPerSecond: expect.any(Number) });
    expect(run.stdout).toMatch(/events\/s/);
  });
});
