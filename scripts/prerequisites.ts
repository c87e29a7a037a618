/**
 * First step of `npm test`: make sure the machine has what the suite runs for real, or stop at once
 * with the one command that installs it. Today that is Debian's Chromium for the browser project
 * (playwright-core ships no browser, and downloading one is not possible offline) and Debian's
 * redis-server for the scale-out tests (a real server, never a mock).
 *
 * As root with apt-get, it installs what is missing itself; otherwise it prints the command and exits 1,
 * before typecheck, lint and build spend a minute. Set `SKIP_PREREQUISITES=1` to skip the check.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CHROMIUM_PATH } from '../test/helpers/browser.ts';
import { REDIS_SERVER_PATH } from '../test/helpers/redis.ts';

interface Prerequisite {
  /** What the suite uses it for, for the message. */
  purpose: string;
  /** The Debian package that provides it. */
  debianPackage: string;
  /** True when it is already here. */
  present: () => boolean;
}

const PREREQUISITES: Prerequisite[] = [
  {
    purpose: 'the dashboard tests in a real browser',
    debianPackage: 'chromium',
    present: () => existsSync(CHROMIUM_PATH),
  },
  {
    purpose: 'the scale-out tests on a real Redis (BUS_URL, npm run ingest)',
    debianPackage: 'redis-server',
    present: () => existsSync(REDIS_SERVER_PATH),
  },
];

function canApt(): boolean {
  return process.getuid?.() === 0 && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
}

function apt(args: string[]): boolean {
  const result = spawnSync('apt-get', args, {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return result.status === 0;
}

function main(): number {
  if (process.env.SKIP_PREREQUISITES === '1') return 0;
  const missing = PREREQUISITES.filter((p) => !p.present());
  if (missing.length === 0) return 0;
  const packages = missing.map((p) => p.debianPackage);
  const command = `apt-get update && apt-get install -y ${packages.join(' ')}`;
  for (const p of missing) console.error(`npm test: ${p.debianPackage} is missing (${p.purpose})`);
  if (canApt()) {
    console.error(`npm test: installing it: ${command}`);
    if (apt(['update', '-qq']) && apt(['install', '-y', '-qq', ...packages])) {
      const still = missing.filter((p) => !p.present());
      if (still.length === 0) return 0;
    }
    console.error('npm test: the install did not complete; see apt-get above');
    return 1;
  }
  console.error(`npm test: run this once, as root, then npm test again:\n  sudo sh -c '${command}'`);
  return 1;
}

process.exitCode = main();
