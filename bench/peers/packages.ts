/**
 * The peers' Debian packages, fetched with `apt-get download` and unpacked with `dpkg-deb -x` into
 * a cache folder: nothing is installed, no service starts, no maintainer script runs. A peer whose
 * packages cannot be fetched or whose binaries miss a library is skipped with the reason.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const CACHE_DIR = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'quote-stream-bench');
const DEBS = join(CACHE_DIR, 'debs');
/** Where the packages are unpacked (usr/sbin/nginx, usr/bin/pushpin, …). */
export const ROOT = join(CACHE_DIR, 'root');
export const LIB_DIR = join(ROOT, 'usr/lib/x86_64-linux-gnu');

/**
 * Packages per peer. Debian 12's `nginx-light` is a transitional package whose binary is in
 * `nginx` (with `nginx-common`); Pushpin's runner starts condure and zurl, and its binaries need Qt
 * and ZeroMQ libraries, unpacked beside them (found through LD_LIBRARY_PATH).
 */
const PACKAGES = {
  nchan: { required: ['nginx', 'libnginx-mod-nchan'], optional: ['nginx-light', 'nginx-common'] },
  pushpin: {
    required: ['pushpin', 'condure', 'zurl', 'libqt5core5a', 'libqt5network5', 'libzmq5'],
    optional: ['libpgm-5.3-0', 'libnorm1', 'libdouble-conversion3', 'libpcre2-16-0', 'libsodium23'],
  },
} as const;

export type Peer = keyof typeof PACKAGES;

/** Binaries (and modules) that must load, per peer. */
const BINARIES: Record<Peer, string[]> = {
  nchan: ['usr/sbin/nginx', 'usr/lib/nginx/modules/ngx_nchan_module.so'],
  pushpin: [
    'usr/bin/pushpin',
    'usr/bin/pushpin-proxy',
    'usr/bin/pushpin-handler',
    'usr/bin/condure',
    'usr/bin/zurl',
  ],
};

function download(name: string): boolean {
  if (readdirSync(DEBS).some((f) => f.startsWith(`${name}_`))) return true;
  const r = spawnSync('apt-get', ['download', name], { cwd: DEBS, encoding: 'utf8' });
  return r.status === 0;
}

/** Fetch and unpack one peer; resolves to undefined when ready, or why it is skipped. */
export function preparePeer(peer: Peer): string | undefined {
  const marker = join(ROOT, `.${peer}-ready`);
  if (!existsSync(marker)) {
    mkdirSync(DEBS, { recursive: true });
    mkdirSync(ROOT, { recursive: true });
    const probe = spawnSync('apt-get', ['--version'], { encoding: 'utf8' });
    if (probe.error !== undefined || probe.status !== 0)
      return 'apt-get is not available (Debian or Ubuntu needed)';
    const missing = PACKAGES[peer].required.filter((name) => !download(name));
    if (missing.length > 0) {
      return `apt-get download failed for ${missing.join(', ')} (run apt-get update, or check the package names of this release)`;
    }
    for (const name of PACKAGES[peer].optional) download(name);
    for (const file of readdirSync(DEBS).filter((f) => f.endsWith('.deb'))) {
      const r = spawnSync('dpkg-deb', ['-x', join(DEBS, file), ROOT], { encoding: 'utf8' });
      if (r.status !== 0) return `dpkg-deb -x ${file} failed: ${r.stderr.trim()}`;
    }
  }
  for (const binary of BINARIES[peer]) {
    const path = join(ROOT, binary);
    if (!existsSync(path)) return `${binary} is not in the unpacked packages`;
    const ldd = spawnSync('ldd', [path], {
      encoding: 'utf8',
      env: { ...process.env, LD_LIBRARY_PATH: LIB_DIR },
    });
    const notFound = (ldd.stdout ?? '')
      .split('\n')
      .filter((line) => line.includes('not found'))
      .map((line) => line.trim().split(' ')[0]);
    if (notFound.length > 0)
      return `${binary} misses ${notFound.join(', ')} (apt-get download them into ${DEBS})`;
  }
  writeFileSync(marker, `${new Date().toISOString()}\n`);
  return undefined;
}
