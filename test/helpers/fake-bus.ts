/**
 * An in-memory stand-in for the few Redis commands the lease, the demand watchers and the publisher
 * use, for unit tests of their timing under vitest's fake timers (a real server keeps real time, so its
 * TTLs cannot follow a faked clock). Keys expire by `Date.now()`, which the fake timers move. The three
 * lease scripts are recognised by their text and mirrored here; their real semantics are exercised on
 * a real redis-server by test/integration/bus-ingest.test.ts and the fault drills.
 *
 * One store, several clients (one per simulated process); a client can be cut off (`hang`): its
 * commands then never settle, as with an unreachable server and `maxRetriesPerRequest: null`.
 */
import { EventEmitter } from 'node:events';
import type { BusClient } from '../../feeds/bus/client.ts';

interface Entry {
  value: string;
  expiresAt?: number;
}

/** One recorded command. */
export interface FakeCall {
  name: string;
  args: unknown[];
}

export interface FakeBusClient {
  /** The client, typed as the code under test expects it. */
  readonly client: BusClient;
  readonly calls: FakeCall[];
  /** Cut off (true) or reachable again (false): commands sent while cut off never settle. */
  hang(isCut: boolean): void;
}

/** The shared store and its clients. */
export interface FakeBus {
  connect(): FakeBusClient;
  get(key: string): string | undefined;
  set(key: string, value: string, pxMs?: number): void;
  del(key: string): void;
  /** Demand-set members with their scores. */
  zset(key: string): Map<string, number>;
  /** Every SPUBLISH, in order. */
  readonly published: { channel: string; message: string }[];
}

export function createFakeBus(): FakeBus {
  const keys = new Map<string, Entry>();
  const zsets = new Map<string, Map<string, number>>();
  const published: { channel: string; message: string }[] = [];
  const subscribers = new Map<EventEmitter, Set<string>>();

  const read = (key: string): string | undefined => {
    const entry = keys.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= Date.now()) keys.delete(key);
    return keys.get(key)?.value;
  };
  const write = (key: string, value: string, pxMs?: number): void =>
    void keys.set(key, { value, expiresAt: pxMs === undefined ? undefined : Date.now() + pxMs });
  const zsetOf = (key: string): Map<string, number> => {
    let set = zsets.get(key);
    if (set === undefined) zsets.set(key, (set = new Map()));
    return set;
  };

  /** The lease scripts of ingest/lease.ts, told apart by the commands they use. */
  function evaluate(script: string, key: string, id: string, leaseMs: number): unknown {
    const value = read(key);
    if (script.includes('PTTL')) {
      if (value === undefined || value === 'released') {
        write(key, id, leaseMs);
        return [1, value ?? ''];
      }
      const expiresAt = keys.get(key)?.expiresAt;
      return [0, value, expiresAt === undefined ? -1 : expiresAt - Date.now()];
    }
    if (script.includes('PEXPIRE')) {
      if (value === id) return (write(key, id, leaseMs), 1);
      if (value === undefined) return (write(key, id, leaseMs), 2);
      return 0;
    }
    if (value === id) return (write(key, 'released', leaseMs), 1);
    return 0;
  }

  function connect(): FakeBusClient {
    const emitter = new EventEmitter();
    const channels = new Set<string>();
    subscribers.set(emitter, channels);
    const calls: FakeCall[] = [];
    let isCut = false;
    const command =
      <A extends unknown[]>(name: string, run: (...args: A) => unknown) =>
      (...args: A): Promise<unknown> => {
        calls.push({ name, args });
        if (isCut) return new Promise(() => undefined);
        return Promise.resolve(run(...args));
      };
    const commands = {
      eval: command('eval', (script: string, _n: number, key: string, id: string, ms: number) =>
        evaluate(script, key, id, ms),
      ),
      get: command('get', (key: string) => read(key) ?? null),
      set: command('set', (key: string, value: string) => (write(key, value), 'OK')),
      del: command('del', (key: string) => Number(keys.delete(key))),
      spublish: command('spublish', (channel: string, message: string) => {
        published.push({ channel, message });
        let receivers = 0;
        for (const [other, subscribed] of subscribers) {
          if (!subscribed.has(channel)) continue;
          receivers += 1;
          // Delivered later, as a message from the socket would be.
          queueMicrotask(() => other.emit('smessage', channel, message));
        }
        return receivers;
      }),
      ssubscribe: command('ssubscribe', (channel: string) => channels.add(channel).size),
      sunsubscribe: command('sunsubscribe', (channel: string) => Number(channels.delete(channel))),
      zadd: command('zadd', (key: string, ...pairs: (string | number)[]) => {
        for (let i = 0; i + 1 < pairs.length; i += 2) zsetOf(key).set(String(pairs[i + 1]), Number(pairs[i]));
        return pairs.length / 2;
      }),
      zrem: command(
        'zrem',
        (key: string, ...members: string[]) => members.filter((member) => zsetOf(key).delete(member)).length,
      ),
      zrange: command('zrange', (key: string) =>
        [...zsetOf(key)].sort((a, b) => a[1] - b[1]).flatMap(([member, score]) => [member, String(score)]),
      ),
      zremrangebyscore: command('zremrangebyscore', (key: string, _min: string, max: string) => {
        const set = zsetOf(key);
        const gone = [...set].filter(([, score]) => score <= Number(max));
        for (const [member] of gone) set.delete(member);
        return gone.length;
      }),
    };
    return {
      client: Object.assign(emitter, commands) as unknown as BusClient,
      calls,
      hang: (cut) => void (isCut = cut),
    };
  }

  return {
    connect,
    get: read,
    set: write,
    del: (key) => void keys.delete(key),
    zset: zsetOf,
    published,
  };
}
