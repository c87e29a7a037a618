/**
 * `node bench/peers/main.ts [--quick] [--streams 250,1000]`: Quote Stream beside nginx + nchan,
 * Pushpin and a bare Node fan-out floor, in one run, on loopback. Every system gets the same seeded
 * simulator feed (about 1,000 quotes/s over 50 symbols); the peers through a bridge that publishes
 * the same serialised bytes. The project's load tester opens the streams (5 symbols each, spread
 * over the 50). Server side (simulator, bridge, server) runs on CPU 0, the load tester on CPU 1.
 * CPU from /proc of every process, interpolated to the load tester's measured window. Prints a
 * table and writes bench/results/latest.json. Method: bench/README.md.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { format, resolveConfig } from 'prettier';
import WebSocket from 'ws';
import type { LoadSummary } from '../../clients/loadtest/stats.ts';
import { printable } from '../../clients/sse/printable.ts';
import { groupCount, groupSymbols, PROFILE, SEED, SYMBOLS } from './feed.ts';
import { LIB_DIR, preparePeer, ROOT, type Peer } from './packages.ts';
import { cpuAt, descendants, sample, type Sample } from './proc.ts';

const PROJECT_ROOT = resolve(import.meta.dirname, '../..');
const RESULTS = join(PROJECT_ROOT, 'bench/results/latest.json');

type SystemName = 'quote-stream' | 'nchan' | 'pushpin' | 'floor';
const SYSTEMS: readonly SystemName[] = ['quote-stream', 'nchan', 'pushpin', 'floor'];
const LABEL: Record<SystemName, string> = {
  'quote-stream': 'Quote Stream',
  nchan: 'nginx + nchan',
  pushpin: 'Pushpin',
  floor: 'bare Node floor',
};

interface Options {
  quick: boolean;
  streams: number[];
  systems: SystemName[];
  warmupS: number;
  windowS: number;
  /** Run Quote Stream with TCP_NODELAY=false (Nagle on, as nginx leaves it). */
  nagle: boolean;
}

function readOptions(): Options {
  // `peers` may lead (`npm run bench -- peers …` through a dispatcher that imports this module).
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        quick: { type: 'boolean', default: false },
        streams: { type: 'string' },
        only: { type: 'string' },
        nagle: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
  const { values, positionals } = parsed;
  const stray = positionals.find((p) => p !== 'peers');
  if (stray !== undefined) {
    process.stderr.write(`unexpected argument ${JSON.stringify(stray)}; try --help\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(
      'Usage: node bench/peers/main.ts [--quick] [--streams 250,1000] [--only quote-stream,nchan,pushpin,floor] [--nagle]\n' +
        '  --nagle  run Quote Stream with TCP_NODELAY=false (Nagle on, as nginx leaves it)\n',
    );
    process.exit(0);
  }
  const streams = (values.streams ?? (values.quick ? '100' : '250,1000')).split(',').map(Number);
  if (streams.some((n) => !Number.isInteger(n) || n < 1 || n > 5000)) {
    process.stderr.write('--streams takes integers from 1 to 5000, comma-separated\n');
    process.exit(2);
  }
  const only = (values.only ?? SYSTEMS.join(',')).split(',') as SystemName[];
  if (only.some((s) => !SYSTEMS.includes(s))) {
    process.stderr.write(`--only takes ${SYSTEMS.join(', ')}\n`);
    process.exit(2);
  }
  return {
    quick: values.quick,
    streams,
    systems: only,
    warmupS: values.quick ? 3 : 5,
    windowS: values.quick ? 8 : 30,
    nagle: values.nagle,
  };
}

// ---------------------------------------------------------------------------------------------
// Processes

const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0 && cpus().length >= 2;

/** The command, run on `cpu` when taskset is there (taskset execs: the pid stays the program's). */
function pinned(cpu: number, command: string, args: string[]): [string, string[]] {
  return hasTaskset ? ['taskset', ['-c', String(cpu), command, ...args]] : [command, args];
}

interface Child {
  name: string;
  child: ChildProcess;
  pid: number;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<unknown>;
}

const started: Child[] = [];

function start(name: string, command: string, args: string[], env: Record<string, string> = {}): Child {
  const child = spawn(command, args, {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
    if (err.length > 200_000) err = err.slice(-100_000);
  });
  const c: Child = {
    name,
    child,
    pid: child.pid ?? -1,
    stdout: () => out,
    stderr: () => err,
    exited: once(child, 'exit').catch(() => undefined),
  };
  started.push(c);
  return c;
}

function node(cpu: number, name: string, args: string[], env: Record<string, string> = {}): Child {
  const [command, full] = pinned(cpu, process.execPath, args);
  return start(name, command, full, env);
}

/** Resolve with the first stdout line matching `pattern`; reject when the child exits or time passes. */
async function waitFor(c: Child, pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void c.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    const match = pattern.exec(c.stdout());
    if (match !== null) return match[1] ?? match[0];
    if (exited) break;
    await sleep(50);
  }
  throw new Error(`${c.name} did not start: ${c.stderr().slice(-2000)}`);
}

/** Stop children by pid (TERM, then KILL after 3 s), with whatever they started. */
async function stopAll(): Promise<void> {
  const all = started.splice(0);
  const extra = descendants(all.map((c) => c.pid)).filter((pid) => !all.some((c) => c.pid === pid));
  for (const c of all) c.child.kill('SIGTERM');
  await Promise.race([Promise.all(all.map((c) => c.exited)), sleep(3000)]);
  for (const c of all) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
  for (const pid of extra) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

async function waitForPort(port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(500) }).then(
      () => true,
      () => false,
    );
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`nothing answered on port ${port}`);
}

// ---------------------------------------------------------------------------------------------
// The systems

interface Running {
  url: string;
  server: number[];
  publisher: number[];
  /** The load tester must not check that ids rise by one (the peers' ids are their own). */
  anyIds: boolean;
  notes: () => string[];
}

function startSimulator(): Child {
  return node(0, 'simulator', [
    'simulator/main.ts',
    '--port',
    '0',
    '--profile',
    PROFILE,
    '--seed',
    String(SEED),
  ]);
}

async function startQuoteStream(simUrl: string, nagle: boolean): Promise<Running> {
  const gateway = node(0, 'quote-stream', ['dev/main.ts'], {
    UPSTREAM_URL: simUrl,
    THROTTLE_MS: '0',
    TCP_NODELAY: nagle ? 'false' : 'true',
    PORT: '0',
    LOG_LEVEL: 'info',
  });
  const base = await waitFor(gateway, /"msg":"listening".*?"url":"([^"]+)"/);
  return {
    url: new URL('/stream', base).href,
    server: [gateway.pid],
    publisher: [],
    anyIds: false,
    notes: () => [],
  };
}

async function startFloor(simUrl: string): Promise<Running> {
  const floor = node(0, 'floor', ['bench/peers/floor.ts', simUrl]);
  const url = await waitFor(floor, /^(http:\S+)$/m);
  return { url, server: [floor.pid], publisher: [], anyIds: false, notes: () => noteLines(floor) };
}

function noteLines(c: Child): string[] {
  return c
    .stderr()
    .split('\n')
    .filter((l) => /^(bridge|floor):/.test(l));
}

async function startNchan(simUrl: string, dir: string): Promise<Running> {
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  // nchan 1.3.6 keeps its message temp path at nginx's compiled-in /var/lib/nginx (it cannot be
  // set: "directive is duplicate"), so nginx runs in a private mount namespace with a tmpfs there.
  writeFileSync(
    conf,
    `load_module ${ROOT}/usr/lib/nginx/modules/ngx_nchan_module.so;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr warn;
daemon off;
events { worker_connections 20000; }
http {
  access_log off;
  nchan_shared_memory_size 64M;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    # the bridge: one POST per quote, ?channel= the symbol as the load tester encodes it
    location = /pub {
      allow 127.0.0.1; deny all;
      nchan_publisher http;
      nchan_channel_id $arg_channel;
      nchan_message_buffer_length 1;
      nchan_message_timeout 60s;
      nchan_eventsource_event quote;
    }
    location = /stream {
      nchan_subscriber eventsource;
      nchan_channel_id $arg_symbols;
      nchan_channel_id_split_delimiter ",";
      nchan_subscriber_first_message newest;
      nchan_eventsource_ping_interval 15;
      nchan_eventsource_ping_event "";
      nchan_eventsource_ping_comment "hb";
    }
  }
}
`,
  );
  const nginx = `${ROOT}/usr/sbin/nginx`;
  const inner = `mount -t tmpfs tmpfs /var/lib && mkdir -p /var/lib/nginx && exec ${hasTaskset ? 'taskset -c 0 ' : ''}${nginx} -p ${dir} -c ${conf}`;
  const server = start('nginx', 'unshare', ['-m', 'sh', '-c', inner]);
  await waitForPort(port).catch((error: Error) => {
    throw new Error(`${error.message}: ${server.stderr().slice(-500)}`);
  });
  const bridge = node(0, 'bridge', [
    'bench/peers/bridge.ts',
    'nchan',
    simUrl,
    `http://127.0.0.1:${port}/pub`,
  ]);
  await waitFor(bridge, /^(ready)$/m);
  return {
    url: `http://127.0.0.1:${port}/stream`,
    server: [server.pid],
    publisher: [bridge.pid],
    anyIds: true,
    notes: () =>
      [
        ...noteLines(bridge),
        // nginx's own errors, without the readiness probe's 403 and without timestamps, pids and
        // addresses (so repeats collapse); nchan logs a MEMSTORE line when some subscribers leave.
        ...new Set(
          server
            .stderr()
            .split('\n')
            .filter((l) => /\[(emerg|alert|crit|error)\]/.test(l) && !l.includes('is forbidden'))
            .map((l) => l.replace(/^.*?\[(\w+)\] [\d#]+: /, '[$1] ').replace(/\b[0-9A-F]{12,}\b/g, '…'))
            .map((l) => `nginx: ${printable(l)}`),
        ),
      ].slice(0, 4),
  };
}

async function startPushpin(simUrl: string, dir: string): Promise<Running> {
  const ports: number[] = [];
  for (let i = 0; i < 6; i++) ports.push(await freePort());
  const [http, pushIn, pushSub, pushHttp, command, origin] = ports as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const lib = `${ROOT}/usr/lib/pushpin`;
  const rundir = join(dir, 'run');
  mkdirSync(rundir, { recursive: true });
  mkdirSync(join(dir, 'log'), { recursive: true });
  // Debian's internal.conf points zurl at a system service; ours keeps it in the run dir.
  const internal = readFileSync(`${lib}/internal.conf`, 'utf8').replaceAll(
    'ipc:///var/run/zurl/zurl-',
    'ipc://{rundir}/{ipc_prefix}zurl-',
  );
  writeFileSync(join(dir, 'internal.conf'), internal);
  writeFileSync(join(dir, 'routes'), `* 127.0.0.1:${origin}\n`);
  writeFileSync(
    join(dir, 'pushpin.conf'),
    `[global]
include=${dir}/internal.conf
libdir=${lib}
rundir=${rundir}
ipc_prefix=pushpin-
port_offset=0
stats_connection_ttl=120

[runner]
services=condure,zurl,pushpin-proxy,pushpin-handler
http_port=127.0.0.1:${http}
logdir=${dir}/log
log_level=1
client_buffer_size=8192
client_maxconn=50000
condure_bin=${ROOT}/usr/bin/condure
zurl_bin=${ROOT}/usr/bin/zurl

[proxy]
routesfile=${dir}/routes
debug=false
auto_cross_origin=false
sig_iss=pushpin
sig_key=changeme
updates_check=off

[handler]
push_in_spec=tcp://127.0.0.1:${pushIn}
push_in_sub_specs=tcp://127.0.0.1:${pushSub}
push_in_sub_connect=false
push_in_http_addr=127.0.0.1
push_in_http_port=${pushHttp}
push_in_http_max_headers_size=10000
push_in_http_max_body_size=10000000
stats_spec=ipc://{rundir}/{ipc_prefix}stats
command_spec=tcp://127.0.0.1:${command}
message_hwm=1000000
message_wait=5000
id_cache_ttl=60
connection_subscription_max=50
subscription_linger=60
stats_subscription_ttl=60
stats_report_interval=10
stats_format=tnetstring
`,
  );
  // No message_rate: in 1.36 any value stalls streams after one event (peers.md §6.1).
  const bridge = node(0, 'bridge', [
    'bench/peers/bridge.ts',
    'pushpin',
    simUrl,
    `http://127.0.0.1:${pushHttp}/publish/`,
    String(origin),
  ]);
  await waitFor(bridge, /^(ready)$/m);
  const [cmd, args] = pinned(0, `${ROOT}/usr/bin/pushpin`, ['--config', join(dir, 'pushpin.conf')]);
  const runner = start('pushpin', cmd, args, {
    LD_LIBRARY_PATH: LIB_DIR,
    PATH: `${ROOT}/usr/bin:${process.env.PATH ?? ''}`,
  });
  await waitForPort(http);
  await waitForPort(pushHttp);
  return {
    url: `http://127.0.0.1:${http}/stream`,
    server: [runner.pid],
    publisher: [bridge.pid],
    anyIds: true,
    notes: () => noteLines(bridge),
  };
}

// ---------------------------------------------------------------------------------------------
// One measured run

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

const round = (n: number, d = 1): number => Math.round(n * 10 ** d) / 10 ** d;

async function runSystem(system: SystemName, streams: number, o: Options): Promise<SystemResult> {
  const dir = mkdtempSync(join(tmpdir(), `qs-peers-${system}-`));
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
  rmSync(dir, { recursive: true, force: true });
  return result;
}

async function measure(
  system: SystemName,
  streams: number,
  o: Options,
  dir: string,
  box: { running?: Running },
): Promise<SystemResult> {
  const base = { system, label: LABEL[system], streams };
  {
    const sim = startSimulator();
    const simUrl = await waitFor(sim, /^(ws:\S+)$/m);
    const running =
      system === 'quote-stream'
        ? await startQuoteStream(simUrl, o.nagle)
        : system === 'floor'
          ? await startFloor(simUrl)
          : system === 'nchan'
            ? await startNchan(simUrl, dir)
            : await startPushpin(simUrl, dir);
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
    started.splice(started.indexOf(load), 1);
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

// ---------------------------------------------------------------------------------------------
// Report

function pad(s: string, n: number, right = false): string {
  return right ? s.padEnd(n) : s.padStart(n);
}

function table(results: readonly SystemResult[]): string {
  const head = [
    pad('system', 16, true),
    pad('streams', 7),
    pad('delivered/expected', 22),
    pad('%', 6),
    pad('CPU-s/M srv', 11),
    pad('pub', 6),
    pad('total', 6),
    pad('p50 ms', 8),
    pad('p99 ms', 8),
    pad('max ms', 8),
    pad('RSS MB', 7),
    pad('err', 4),
    pad('cut', 4),
  ].join(' ');
  const lines = [head, '-'.repeat(head.length)];
  for (const r of results) {
    if (r.skipped !== undefined) {
      lines.push(`${pad(r.label, 16, true)} ${pad(String(r.streams), 7)}  skipped: ${r.skipped}`);
      continue;
    }
    lines.push(
      [
        pad(r.label, 16, true),
        pad(String(r.streams), 7),
        pad(`${(r.delivered ?? 0).toLocaleString('en')}/${(r.expected ?? 0).toLocaleString('en')}`, 22),
        pad(String(r.deliveredPct), 6),
        pad(String(r.cpuSPerMillion?.server), 11),
        pad(String(r.cpuSPerMillion?.publisher), 6),
        pad(String(r.cpuSPerMillion?.total), 6),
        pad(String(r.latencyMs?.p50), 8),
        pad(String(r.latencyMs?.p99), 8),
        pad(String(r.latencyMs?.max), 8),
        pad(String(r.rssMb), 7),
        pad(String(r.errors), 4),
        pad(String(r.cut), 4),
      ].join(' '),
    );
  }
  return lines.join('\n');
}

interface Ratio {
  streams: number;
  versus: SystemName;
  totalCpu?: number;
  p99?: number;
}

function ratios(results: readonly SystemResult[]): Ratio[] {
  const out: Ratio[] = [];
  for (const streams of new Set(results.map((r) => r.streams))) {
    const of = (s: SystemName): SystemResult | undefined =>
      results.find((r) => r.system === s && r.streams === streams && r.skipped === undefined);
    const qs = of('quote-stream');
    for (const versus of ['nchan', 'floor', 'pushpin'] as const) {
      const other = of(versus);
      if (qs === undefined || other === undefined) continue;
      const div = (a?: number, b?: number): number | undefined =>
        a !== undefined && b !== undefined && b > 0 ? round(a / b, 2) : undefined;
      out.push({
        streams,
        versus,
        totalCpu: div(qs.cpuSPerMillion?.total, other.cpuSPerMillion?.total),
        p99: div(qs.latencyMs?.p99, other.latencyMs?.p99),
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

const options = readOptions();
const pinNote = hasTaskset
  ? 'server side (simulator, bridge, server) pinned to CPU 0, load tester to CPU 1 (taskset)'
  : 'NOT pinned: taskset or a second CPU is missing, so server and client share the cores';
if (hasTaskset) spawnSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)]);
process.stderr.write(
  `peers bench${options.quick ? ' --quick' : ''}${options.nagle ? ' --nagle (Quote Stream with TCP_NODELAY=false)' : ''}: streams ${options.streams.join(', ')}, ${options.warmupS} s warm-up + ${options.windowS} s window; ${pinNote}\n`,
);
const skip: Partial<Record<SystemName, string>> = {};
for (const peer of (['nchan', 'pushpin'] as Peer[]).filter((p) => options.systems.includes(p))) {
  const reason =
    peer === 'nchan' && process.getuid?.() !== 0
      ? 'needs root: nginx runs under unshare -m with a tmpfs over /var/lib/nginx (nchan 1.3.6 temp path)'
      : preparePeer(peer);
  if (reason !== undefined) {
    skip[peer] = reason;
    process.stderr.write(`skipping ${peer}: ${reason}\n`);
  }
}
const stopOnSignal = (): void => void stopAll().then(() => process.exit(130));
process.once('SIGINT', stopOnSignal);
process.once('SIGTERM', stopOnSignal);

const results: SystemResult[] = [];
for (const streams of options.streams) {
  for (const system of SYSTEMS.filter((s) => options.systems.includes(s))) {
    const reason = skip[system];
    if (reason !== undefined) {
      results.push({ system, label: LABEL[system], streams, skipped: reason });
      continue;
    }
    process.stderr.write(`  ${LABEL[system]}, ${streams} streams…\n`);
    results.push(await runSystem(system, streams, options));
  }
}

const rows = ratios(results);
process.stdout.write(
  `\nCPU-seconds per million delivered events (server, publisher = simulator + bridge, total); latency = receive time − ts\n${table(results)}\n\n`,
);
for (const r of results) {
  const other = r.cpuS?.cpu0Other ?? 0;
  if (other > 0.1 * options.windowS) {
    process.stdout.write(
      `  note: during ${r.label}'s ${r.streams}-stream window CPU 0 also ran ${other} s of other work (other processes on the machine); its latency suffers more than its CPU figures\n`,
    );
  }
  for (const note of r.notes ?? []) process.stdout.write(`  ${r.label}, ${r.streams} streams: ${note}\n`);
}
for (const r of rows) {
  process.stdout.write(
    `  ${r.streams} streams: Quote Stream vs ${LABEL[r.versus]}: total CPU per event ${r.totalCpu ?? 'n/a'}×, p99 ${r.p99 ?? 'n/a'}×\n`,
  );
}
mkdirSync(join(PROJECT_ROOT, 'bench/results'), { recursive: true });
// Written as prettier writes it, so `npm run lint` (prettier --check) passes on a committed result.
const json = JSON.stringify(
  {
    at: new Date().toISOString(),
    quick: options.quick,
    quoteStreamTcpNoDelay: !options.nagle,
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
    pinning: pinNote,
    feed: {
      seed: SEED,
      profile: PROFILE,
      symbols: SYMBOLS.length,
      symbolsPerStream: groupSymbols(0).length,
    },
    warmupS: options.warmupS,
    windowS: options.windowS,
    results,
    ratios: rows,
  },
  null,
  2,
);
writeFileSync(RESULTS, await format(json, { ...(await resolveConfig(RESULTS)), filepath: RESULTS }));
process.stdout.write(`\nwritten to ${RESULTS}\n`);
