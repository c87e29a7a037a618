/**
 * What a fault scenario may leave behind, counted: the process's active handles and requests by type
 * (sockets, servers, timers: `process.getActiveResourcesInfo()`), its own event listeners, and the heap
 * after a full garbage collection. A scenario takes a snapshot before it starts anything and waits,
 * bounded, for the counts to come back once everything it opened has ended.
 * @see https://nodejs.org/api/process.html#processgetactiveresourcesinfo
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Counts of live resources, by kind. */
export type ResourceCounts = Record<string, number>;

/**
 * Active handles by type, plus `listener:<event>` for every process event with listeners.
 * Types that come and go with vitest's own bookkeeping are left out: `FSReqCallback` (file reads of
 * the reporter) and `Immediate` (a setImmediate queued by anything).
 */
export function countResources(): ResourceCounts {
  const counts: ResourceCounts = {};
  for (const type of process.getActiveResourcesInfo()) {
    if (type === 'FSReqCallback' || type === 'Immediate') continue;
    counts[type] = (counts[type] ?? 0) + 1;
  }
  for (const name of process.eventNames()) {
    counts[`listener:${String(name)}`] = process.listenerCount(name);
  }
  return counts;
}

/** Kinds whose count is higher in `after` than in `before`, with both figures. */
function resourcesLeft(before: ResourceCounts, after: ResourceCounts): string[] {
  const left: string[] = [];
  for (const [kind, count] of Object.entries(after)) {
    const was = before[kind] ?? 0;
    if (count > was) left.push(`${kind}: ${was} before, ${count} after`);
  }
  return left;
}

/**
 * Wait until nothing counted is above `before` (sockets close a few turns of the event loop after
 * their peer), polling on each timer tick; fails after `hangGuardMs` with what is still left.
 */
export function waitForResourcesBack(
  before: ResourceCounts,
  what: string,
  hangGuardMs: number,
): Promise<void> {
  const startedAt = Date.now();
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const left = resourcesLeft(before, countResources());
      if (left.length === 0) return resolve();
      if (Date.now() - startedAt > hangGuardMs) {
        return reject(new Error(`${what}: still open after ${hangGuardMs} ms: ${left.join('; ')}`));
      }
      // A poll, not a sleep: it re-checks each time the event loop has run its timers. The check runs
      // from an Immediate, not from the timer's own callback: inside that callback
      // getActiveResourcesInfo() still lists the running timer, so every poll after a first miss saw
      // one Timeout too many and the wait always ran out (seen under load, where the first check
      // comes before a socket finished closing). Immediates are not counted (countResources).
      setTimeout(() => setImmediate(check), 10);
    };
    check();
  });
}

let collect: (() => void) | undefined;

/**
 * A full garbage collection: `globalThis.gc` under --expose-gc (the faults project passes it), else
 * the same function obtained at run time through V8's flag (a fresh context sees `gc` once set).
 */
function fullGc(): void {
  if (collect === undefined) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed !== undefined) collect = exposed;
    else {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
    }
  }
  collect();
  collect();
}

/** Heap in use plus Buffer memory outside the heap, in bytes, after a full collection. */
export function retainedBytes(): number {
  fullGc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

export const MIB = 1024 * 1024;
