/**
 * CPU and memory of process trees from /proc: utime + stime of every process descended from a
 * root (Pushpin's runner starts condure, zurl, proxy and handler; nginx a worker), and their RSS.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on every Linux this runs on). */
const TICKS_PER_S = 100;

interface ProcStat {
  ppid: number;
  cpuS: number;
  rssKb: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    const cpuS = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
    const rssKb = (Number(fields[21]) * 4096) / 1024;
    return { ppid, cpuS, rssKb };
  } catch {
    return undefined; // it exited meanwhile
  }
}

/** Every live process once: pid → stat. */
function snapshot(): Map<number, ProcStat> {
  const all = new Map<number, ProcStat>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const s = readStat(pid);
    if (s !== undefined) all.set(pid, s);
  }
  return all;
}

/** The roots and all their descendants. */
function tree(all: Map<number, ProcStat>, roots: readonly number[]): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, s] of all) children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
  const out: number[] = [];
  const stack = roots.filter((pid) => all.has(pid));
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** CPU-seconds and RSS of named groups of process trees, at one instant. */
export interface Sample {
  at: number;
  /** Busy seconds of each CPU (/proc/stat: everything but idle and iowait), for a cross-check. */
  cpuBusyS: number[];
  cpuS: Record<string, number>;
  rssKb: Record<string, number>;
}

/** Read every group now (`groups`: name → root pids). */
export function sample(groups: Record<string, readonly number[]>): Sample {
  const all = snapshot();
  const at = Date.now();
  const cpuS: Record<string, number> = {};
  const rssKb: Record<string, number> = {};
  for (const [name, roots] of Object.entries(groups)) {
    const pids = tree(all, roots);
    cpuS[name] = pids.reduce((sum, pid) => sum + (all.get(pid)?.cpuS ?? 0), 0);
    rssKb[name] = pids.reduce((sum, pid) => sum + (all.get(pid)?.rssKb ?? 0), 0);
  }
  return { at, cpuBusyS: cpuBusy(), cpuS, rssKb };
}

function cpuBusy(): number[] {
  const out: number[] = [];
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const m = /^cpu(\d+) (.*)$/.exec(line);
    if (m === null) continue;
    const f = (m[2] ?? '').trim().split(/\s+/).map(Number);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    out[Number(m[1])] = (total - (f[3] ?? 0) - (f[4] ?? 0)) / TICKS_PER_S;
  }
  return out;
}

/** The parent pid of `pid`, or undefined once it has gone. */
export function parentOf(pid: number): number | undefined {
  return readStat(pid)?.ppid;
}

/** Every descendant pid of `roots` now (to stop what a runner started, by pid). */
export function descendants(roots: readonly number[]): number[] {
  return tree(snapshot(), roots);
}

/** A group's CPU-seconds at `at`, interpolated between the samples around it. */
export function cpuAt(samples: readonly Sample[], group: string | number, at: number): number {
  let before = samples[0];
  let after = samples[samples.length - 1];
  for (const s of samples) {
    if (s.at <= at) before = s;
    if (s.at >= at) {
      after = s;
      break;
    }
  }
  if (before === undefined || after === undefined) return 0;
  const read = (s: Sample): number => (typeof group === 'number' ? s.cpuBusyS[group] : s.cpuS[group]) ?? 0;
  const a = read(before);
  const b = read(after);
  if (after.at === before.at) return a;
  return a + ((b - a) * (at - before.at)) / (after.at - before.at);
}
