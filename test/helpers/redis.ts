/**
 * A real redis-server (Debian's package, 7.0) for tests: standalone or a 3-node cluster, on ephemeral
 * loopback ports, in a temporary folder, with persistence off (`--save ''`, `--appendonly no`) so a
 * restart starts empty, as a failed-over cache would. Never a mock: the bus's guarantees (subscribe
 * acknowledgement before a read, sharded channels, output-buffer limits) are the server's.
 *
 * redis-server cannot listen on port 0 and report the port it got, so a free port is found by binding
 * :0 and releasing it; a cluster node also needs its bus port (port + 10000) free.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where Debian installs it; `.ci/run` and scripts/prerequisites.ts install it there. */
export const REDIS_SERVER_PATH = '/usr/bin/redis-server';
const REDIS_CLI_PATH = '/usr/bin/redis-cli';

/** Fail with the one command that fixes it. */
export function requireRedis(): void {
  if (!existsSync(REDIS_SERVER_PATH) || !existsSync(REDIS_CLI_PATH)) {
    throw new Error(
      `redis-server is not installed (the bus tests run a real one): sudo sh -c 'apt-get update && apt-get install -y redis-server'`,
    );
  }
}

/**
 * redis-server on 127.0.0.1:`port`, persistence off (a restart comes back empty), files in `dir`,
 * logging to stdout (where the readiness line is read).
 */
export function redisServerArgs(port: number, dir: string): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--logfile',
    '',
  ];
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port free now (and, for a cluster node, its bus port too). */
export async function freePort(withBusPort = false): Promise<number> {
  for (;;) {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (!withBusPort || (port + 10_000 <= 65_535 && (await isFree(port + 10_000)))) return port;
  }
}

/** One redis-server process. */
export interface RedisNode {
  readonly port: number;
  readonly pid: number | undefined;
  /** Stop it (SIGKILL: nothing is saved anyway) and wait for the exit. */
  stop(): Promise<void>;
  /** Start it again on the same port, empty. */
  start(): Promise<void>;
  /** Run redis-cli against it; returns stdout. */
  cli(...args: string[]): string;
  /** Stop it and remove its folder. */
  close(): Promise<void>;
}

/** How many free ports a start tries before it gives up (see startNode). */
const PORT_ATTEMPTS = 5;

/**
 * Start a redis-server on a free port. A port free when freePort() probed it can be taken by another
 * test's socket before redis-server binds it ("Address already in use"): then try another port.
 */
async function startNode(extra: string[], withBusPort: boolean): Promise<RedisNode> {
  requireRedis();
  for (let attempt = 1; ; attempt += 1) {
    const node = createNode(await freePort(withBusPort), extra);
    try {
      await node.start();
      return node;
    } catch (error) {
      await node.close();
      if (attempt >= PORT_ATTEMPTS || !String(error).includes('Address already in use')) throw error;
    }
  }
}

/** A redis-server on `port`, not started yet. */
function createNode(port: number, extra: string[]): RedisNode {
  const dir = mkdtempSync(join(tmpdir(), 'redis-test-'));
  let child: ChildProcess | undefined;
  const cli = (...args: string[]): string => {
    const result = spawnSync(REDIS_CLI_PATH, ['-h', '127.0.0.1', '-p', String(port), ...args], {
      encoding: 'utf8',
    });
    return result.stdout;
  };
  const node: RedisNode = {
    port,
    get pid() {
      return child?.pid;
    },
    async start() {
      child = spawn(REDIS_SERVER_PATH, [...redisServerArgs(port, dir), ...extra], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      const ready = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`redis-server on ${port} not ready: ${output}`)),
          10_000,
        );
        child?.stdout?.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('Ready to accept connections')) {
            clearTimeout(timer);
            resolve();
          }
        });
        // 'close', not 'exit': by then stdout is read to its end, with the reason redis-server gave.
        child?.once('close', (code) => {
          clearTimeout(timer);
          reject(new Error(`redis-server on ${port} exited with ${code}: ${output}`));
        });
      });
      await ready;
    },
    async stop() {
      const running = child;
      child = undefined;
      if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
      const exited = once(running, 'exit');
      running.kill('SIGKILL');
      await exited;
    },
    cli,
    async close() {
      await node.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return node;
}

/** A standalone server. */
export interface RedisServer extends RedisNode {
  readonly url: string;
}

/** Start a standalone redis-server. */
export async function startRedis(): Promise<RedisServer> {
  const node = await startNode([], false);
  return Object.assign(node, { url: `redis://127.0.0.1:${node.port}` });
}

/** A 3-node cluster (no replicas), every slot covered. */
export interface RedisCluster {
  readonly nodes: readonly RedisNode[];
  /** `redis+cluster://` with every node as a seed (docs/decisions/014-scale-out-bus.md). */
  readonly url: string;
  close(): Promise<void>;
}

/** Start three cluster-enabled servers and join them with `redis-cli --cluster create`. */
export async function startRedisCluster(): Promise<RedisCluster> {
  const flags = [
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    'nodes.conf',
    '--cluster-node-timeout',
    '2000',
  ];
  // Settled, not all(): when one node fails to start, the others are stopped, not left running.
  const started = await Promise.allSettled([0, 1, 2].map(() => startNode(flags, true)));
  const nodes = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const close = async (): Promise<void> => void (await Promise.all(nodes.map((node) => node.close())));
  try {
    const failed = started.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    return await joinCluster(nodes, close);
  } catch (error) {
    await close();
    throw error;
  }
}

/** Join three started cluster nodes into one cluster and wait until every node agrees on it. */
async function joinCluster(nodes: RedisNode[], close: () => Promise<void>): Promise<RedisCluster> {
  const addresses = nodes.map((node) => `127.0.0.1:${node.port}`);
  const created = spawnSync(
    REDIS_CLI_PATH,
    ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'],
    {
      encoding: 'utf8',
    },
  );
  if (created.status !== 0)
    throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
  // Every node must agree before a client can rely on the slot map.
  const deadline = Date.now() + 10_000;
  while (!nodes.every((node) => node.cli('cluster', 'info').includes('cluster_state:ok'))) {
    if (Date.now() > deadline) throw new Error('the cluster did not reach cluster_state:ok in 10 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { nodes, url: `redis+cluster://${addresses.join(',')}`, close };
}
