/**
 * One measured run: a system and the simulator started, the project's load tester holding the
 * streams on CPU 1, /proc sampled every 250 ms, and what should have arrived counted from the
 * simulator's own quotes. CPU is interpolated to the load tester's measured window.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { LoadSummary } from '../../clients/loadtest/stats.ts';
import { forget, node, sleep, stopAll, waitFor } from './children.ts';
import { groupCount, groupSymbols, SYMBOLS } from './feed.ts';
import { cpuAt, sample, type Sample } from './proc.ts';
import { LABEL, startSimulator, startSystem, type Running, type SystemName } from './systems.ts';

/** What a run needs of the command line. */
export interface RunOptions {
  warmupS: number;
  windowS: number;
  /** Run Quote Stream with TCP_NODELAY=false (Nagle on, as nginx leaves it). */
  nagle: boolean;
}

/** Quote timestamps per symbol, as the simulator sent them (what a stream should deliver). */
function observe(simUrl: string): { ts: Map<string, number[]>; close: () => void } {
  const ts = new Map<string, number[]>(SYMBOLS.map((s) => [s, []]));
  const ws = new WebSocket(simUrl);
  ws.on('open', () => ws.send(JSON.stringify({ action: 'subscribe', symbols: SYMBOLS })));
  ws.on('message', (raw: Buffer) => {
    const parsed = JSON.parse(raw.toString()) as unknown;
    for (const m of Array.isArray(parsed) ? parsed : [parsed]) {
      const q = m as { type?: string; symbol?: string; ts?: number };
      if (q.type === 'quote' && q.symbol !== undefined && q.ts !== undefined) ts.get(q.symbol)?.push(q.ts);
    }
  });
  ws.on('error', () => undefined);
  return { ts, close: () => ws.terminate() };
}

/** One system at one stream count: a row of the table and of latest.json (a skip keeps its reason). */
export interface SystemResult {
  system: SystemName;
  label: string;
  streams: number;
  skipped?: string;
  delivered?: number;
  expected?: number;
  deliveredPct?: number;
  cpuS?: {
    server: number;
    publisher: number;
    total: number;
    client: number;
    /** CPU 0's busy seconds (/proc/stat) beyond server + publisher: other work on the pinned core. */
    cpu0Other: number;
  };
  cpuSPerMillion?: { server: number; publisher: number; total: number };
  latencyMs?: { p50: number; p99: number; max: number };
  rssMb?: number;
  errors?: number;
  /** What the errors were: failed requests by reason, invalid events, the first refusal. */
  errorKinds?: Record<string, number | string>;
  cut?: number;
  /** Reconnects, and quotes missing by id (only where ids are checked: Quote Stream, the floor). */
  reconnects?: number;
  idsMissing?: number;
  notes?: string[];
}

export const round = (n: number, d = 1): number => Math.round(n * 10 ** d) / 10 ** d;

/** Start `system` and a simulator, measure `streams` streams on it, stop them all. A failure is a skip. */
export async function runSystem(system: SystemName, streams: number, o: RunOptions): Promise<SystemResult> {
  const dir = mkdtempSync(join(tmpdir(), `qs-peers-${system}-`));
  // Also on a signal or an uncaught error (stopOnExit stops the children, then exits).
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeDir);
  const box: { running?: Running } = {};
  let result: SystemResult;
  try {
    result = await measure(system, streams, o, dir, box);
  } catch (error) {
    result = { system, label: LABEL[system], streams, skipped: (error as Error).message.slice(0, 500) };
  }
  await stopAll();
  await sleep(300); // the SIGTERM summaries of the bridge and the floor
  if (result.skipped === undefined) result.notes = box.running?.notes() ?? [];
  process.off('exit', removeDir);
  removeDir();
  return result;
}

async function measure(
  system: SystemName,
  streams: number,
  o: RunOptions,
  dir: string,
  box: { running?: Running },
): Promise<SystemResult> {
  const base = { system, label: LABEL[system], streams };
  {
    const sim = startSimulator();
    const simUrl = await waitFor(sim, /^(ws:\S+)$/m);
    const running = await startSystem(system, simUrl, dir, o.nagle);
    box.running = running;
    const observer = observe(simUrl);
    const groups = { server: running.server, publisher: [sim.pid, ...running.publisher] };
    const samples: Sample[] = [sample(groups)];
    const sampler = setInterval(() => samples.push(sample(groups)), 250);
    const jsonFile = join(dir, 'load.json');
    const load = node(1, 'loadtest', [
      'clients/loadtest/main.ts',
      '--url',
      running.url,
      '--connections',
      String(streams),
      '--duration',
      String(o.warmupS + o.windowS),
      '--warmup',
      String(o.warmupS),
      '--symbols',
      SYMBOLS.join(','),
      '--symbol-groups',
      String(groupSymbols(0).length),
      '--json',
      jsonFile,
      '--quiet',
      ...(running.anyIds ? ['--any-ids'] : []),
    ]);
    await load.exited;
    clearInterval(sampler);
    samples.push(sample(groups));
    observer.close();
    forget(load);
    let summary: LoadSummary;
    try {
      summary = JSON.parse(readFileSync(jsonFile, 'utf8')) as LoadSummary;
    } catch {
      return { ...base, skipped: `the load tester wrote no summary: ${load.stderr().slice(-500)}` };
    }
    const from = summary.window?.startedAt ?? samples[0]?.at ?? 0;
    const to = summary.window?.endedAt ?? Date.now();
    const cpu = (group: string | number): number => cpuAt(samples, group, to) - cpuAt(samples, group, from);
    let expected = 0;
    const groupsN = groupCount();
    for (let g = 0; g < groupsN; g++) {
      const streamsInGroup = Math.floor(streams / groupsN) + (g < streams % groupsN ? 1 : 0);
      for (const symbol of groupSymbols(g)) {
        const inWindow = (observer.ts.get(symbol) ?? []).filter((t) => t >= from && t < to).length;
        expected += streamsInGroup * inWindow;
      }
    }
    const delivered = summary.events.quote;
    const server = cpu('server');
    const publisher = cpu('publisher');
    const perM = (s: number): number => (delivered > 0 ? round((s / delivered) * 1e6, 2) : 0);
    const rss = samples.filter((s) => s.at >= from && s.at <= to).map((s) => s.rssKb.server ?? 0);
    return {
      ...base,
      delivered,
      expected,
      deliveredPct: expected > 0 ? round((delivered / expected) * 100, 1) : 0,
      cpuS: {
        server: round(server, 2),
        publisher: round(publisher, 2),
        total: round(server + publisher, 2),
        client: round((summary.cpu.userMs + summary.cpu.systemMs) / 1000, 2),
        cpu0Other: round(cpu(0) - server - publisher, 2),
      },
      cpuSPerMillion: { server: perM(server), publisher: perM(publisher), total: perM(server + publisher) },
      latencyMs: {
        p50: summary.quoteLatencyMs.p50,
        p99: summary.quoteLatencyMs.p99,
        max: summary.quoteLatencyMs.max,
      },
      rssMb: round(Math.max(0, ...rss) / 1024),
      errors: summary.requests.failed + summary.events.invalid,
      errorKinds: {
        ...summary.requests.failures,
        ...(summary.events.invalid > 0 ? { invalidEvents: summary.events.invalid } : {}),
        ...(summary.requests.firstRefusal !== undefined
          ? { firstRefusal: summary.requests.firstRefusal }
          : {}),
      },
      cut: summary.ends.cut,
      reconnects: summary.reconnects,
      idsMissing: summary.ids.missing,
    };
  }
}
