/**
 * The systems under test, each started from nothing on the seeded simulator's feed: Quote Stream
 * (npm start's gateway), the bare Node floor, nginx + nchan and Pushpin (each fed by a bridge that
 * publishes the simulator's quotes). Server side on CPU 0; every process through children.ts, so
 * stopAll stops it.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printable } from '../../clients/sse/printable.ts';
import { freePort, hasTaskset, node, pinned, start, waitFor, waitForPort, type Child } from './children.ts';
import { PROFILE, SEED } from './feed.ts';
import { LIB_DIR, ROOT } from './packages.ts';
import { nginxConf, pushpinConf } from './peer-configs.ts';

export type SystemName = 'quote-stream' | 'nchan' | 'pushpin' | 'floor';
export const SYSTEMS: readonly SystemName[] = ['quote-stream', 'nchan', 'pushpin', 'floor'];
export const LABEL: Record<SystemName, string> = {
  'quote-stream': 'Quote Stream',
  nchan: 'nginx + nchan',
  pushpin: 'Pushpin',
  floor: 'bare Node floor',
};

export interface Running {
  url: string;
  server: number[];
  publisher: number[];
  /** The load tester must not check that ids rise by one (the peers' ids are their own). */
  anyIds: boolean;
  notes: () => string[];
}

export function startSimulator(cpu: number | undefined = 0): Child {
  return node(cpu, 'simulator', [
    'simulator/main.ts',
    '--port',
    '0',
    '--profile',
    PROFILE,
    '--seed',
    String(SEED),
  ]);
}

/** Start `system` on the simulator at `simUrl`; `dir` is the run's own temporary folder. */
export function startSystem(
  system: SystemName,
  simUrl: string,
  dir: string,
  nagle: boolean,
): Promise<Running> {
  return system === 'quote-stream'
    ? startQuoteStream(simUrl, nagle)
    : system === 'floor'
      ? startFloor(simUrl)
      : system === 'nchan'
        ? startNchan(simUrl, dir)
        : startPushpin(simUrl, dir);
}

/** npm start's gateway on an ephemeral port, once it logs `listening`; `url` is its /stream. */
export async function startGateway(
  env: Record<string, string>,
  cpu: number | undefined = 0,
): Promise<Child & { url: string }> {
  const gateway = node(cpu, 'gateway', ['dev/main.ts'], { LOG_LEVEL: 'info', ...env, PORT: '0' });
  const base = await waitFor(gateway, /"msg":"listening".*?"url":"([^"]+)"/);
  return { ...gateway, url: new URL('/stream', base).href };
}

async function startQuoteStream(simUrl: string, nagle: boolean): Promise<Running> {
  const gateway = await startGateway({
    UPSTREAM_URL: simUrl,
    THROTTLE_MS: '0',
    TCP_NODELAY: nagle ? 'false' : 'true',
  });
  return {
    url: gateway.url,
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
  writeFileSync(conf, nginxConf(dir, port));
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
    pushpinConf(dir, rundir, lib, { http, pushIn, pushSub, pushHttp, command }),
  );
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
