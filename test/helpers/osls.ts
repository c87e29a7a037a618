/**
 * Package serverless.yml offline with osls (`osls package --package DIR`) and read what it emits: the
 * CloudFormation template, the framework state and the function zips. No credentials, no network:
 * osls runs with a scrubbed environment and, where the kernel allows it, in a new network namespace:
 * packaging only reads serverless.yml and the bundle, so a run that reached for either would fail.
 */
import { execFile, spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync, crc32 } from 'node:zlib';
import { PROJECT_ROOT } from './process.ts';

const OSLS_BIN = join(PROJECT_ROOT, 'node_modules/osls/bin/serverless.js');

/** One CloudFormation resource. */
export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
}

/** The parts of a template the tests read. */
interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Conditions?: Record<string, unknown>;
  Outputs?: Record<string, unknown>;
}

/** What one osls run printed and how it ended. */
export interface OslsRun {
  code: number;
  output: string;
}

/** The result of a successful `osls package`. */
export interface PackagedService {
  /** The `--package` folder. */
  dir: string;
  template: CfnTemplate;
  /** serverless-state.json: the resolved service configuration as the framework will deploy it. */
  state: { service: Record<string, unknown> & { provider: Record<string, unknown> } };
  output: string;
}

let netIsolation: string[] | undefined;

/** `unshare --net` when this machine allows it (root or user namespaces), otherwise nothing. */
function isolationPrefix(): string[] {
  netIsolation ??= spawnSync('unshare', ['--net', 'true']).status === 0 ? ['unshare', '--net'] : [];
  return netIsolation;
}

/**
 * A private copy of what packaging reads: serverless.yml, deploy/, the bundles and package.json, with
 * node_modules linked. osls keeps its state in the service folder's `.serverless/`, so two runs in
 * the project folder at once would overwrite each other's state; each run gets its own folder.
 */
async function copyService(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'quote-stream-service-'));
  await Promise.all([
    cp(join(PROJECT_ROOT, 'serverless.yml'), join(dir, 'serverless.yml')),
    // The scale-out parts serverless.yml includes with ${file(./deploy/…)}.
    cp(join(PROJECT_ROOT, 'deploy'), join(dir, 'deploy'), { recursive: true }),
    cp(join(PROJECT_ROOT, 'package.json'), join(dir, 'package.json')),
    cp(join(PROJECT_ROOT, 'dist'), join(dir, 'dist'), { recursive: true }),
    symlink(join(PROJECT_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir'),
  ]);
  return dir;
}

/** Run osls on a private copy of the service with `args`, a scrubbed environment and a throwaway HOME. */
export async function runOsls(
  args: string[],
  options: { timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<OslsRun> {
  const home = await mkdtemp(join(tmpdir(), 'quote-stream-osls-home-'));
  const service = await copyService();
  const [command, ...prefixArgs] = [...isolationPrefix(), process.execPath];
  try {
    return await new Promise((done) => {
      execFile(
        command as string,
        [...prefixArgs, OSLS_BIN, ...args],
        {
          cwd: service,
          env: {
            PATH: process.env.PATH ?? '',
            HOME: home,
            SLS_TELEMETRY_DISABLED: '1',
            SLS_NOTIFICATIONS_MODE: 'off',
            // Extra variables a test sets on purpose (credentials that must not reach the template).
            ...options.env,
          },
          // A hang guard for one run; runs started together share the cores (test/deploy/serverless.test.ts).
          timeout: options.timeoutMs ?? 180_000,
          maxBuffer: 16 * 1024 * 1024,
        },
        (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
          done({ code, output: `${stdout}${stderr}` });
        },
      );
    });
  } finally {
    await Promise.all([
      rm(home, { recursive: true, force: true }),
      rm(service, { recursive: true, force: true }),
    ]);
  }
}

/** `osls package` into a fresh temp folder; throws with osls' output when it fails. */
export async function packageService(options: {
  stage: string;
  params: Record<string, string>;
  /** Variables set in osls' environment. @defaultValue none */
  env?: Record<string, string>;
}): Promise<PackagedService> {
  const dir = await mkdtemp(join(tmpdir(), 'quote-stream-package-'));
  const params = Object.entries(options.params).flatMap(([key, value]) => ['--param', `${key}=${value}`]);
  const run = await runOsls(['package', '--package', dir, '--stage', options.stage, ...params], {
    env: options.env,
  });
  if (run.code !== 0) throw new Error(`osls package failed (exit ${run.code}):\n${run.output}`);
  const readJson = async <T>(name: string): Promise<T> =>
    JSON.parse(await readFile(join(dir, name), 'utf8')) as T;
  return {
    dir,
    template: await readJson<CfnTemplate>('cloudformation-template-update-stack.json'),
    state: await readJson<PackagedService['state']>('serverless-state.json'),
    output: run.output,
  };
}

/** One file of a zip archive. */
export interface ZipEntry {
  name: string;
  data: Buffer;
}

/**
 * Read every file of a zip (stored or deflated, no ZIP64) through its central directory, checking
 * each file's CRC-32. Enough for the archives osls writes; no `unzip` needed.
 */
export function readZip(zip: Buffer): ZipEntry[] {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip: no end-of-central-directory record');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i += 1) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`bad central directory entry at ${at}`);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localHeader = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;

    if (zip.readUInt32LE(localHeader) !== 0x04034b50) throw new Error(`bad local header for ${name}`);
    const start = localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
    const raw = zip.subarray(start, start + compressedSize);
    if (method !== 0 && method !== 8) throw new Error(`${name}: unsupported compression method ${method}`);
    const data = method === 8 ? inflateRawSync(raw) : Buffer.from(raw);
    if (crc32(data) !== crc) throw new Error(`${name}: CRC mismatch`);
    entries.push({ name, data });
  }
  return entries;
}
