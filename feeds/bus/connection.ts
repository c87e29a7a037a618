/**
 * The hub's connection when quotes come from the scale-out bus (BUS_URL) instead of an upstream: the
 * same {@link UpstreamConnection} shape, so feeds/hub.ts keeps its reference counts, snapshots and
 * fan-out unchanged.
 *
 * Gap-free join without atomicity (docs/decisions/014-scale-out-bus.md): the ingest always writes a
 * symbol's latest value before it publishes it; this side `SSUBSCRIBE`s, waits for the
 * acknowledgement, and only then reads the latest value. Any quote is therefore either published
 * after the subscription (delivered live) or written before the read (in the snapshot). Each payload
 * carries the ingest's per-symbol `seq`, and only a higher one than the last delivered passes: no gap,
 * no duplicate (the ingest's idle re-publish repeats a `seq` and is dropped here).
 *
 * After a reconnect everything is subscribed and read again; a `seq` gap (a lost message) triggers a
 * re-read.
 *
 * A payload may instead be the upstream's rejection of the symbol (it has no `seq`): the symbol
 * leaves this connection (unsubscribed, demand released), as a rejected symbol leaves an upstream
 * connection's wanted set, and the hub is told through `onRejected`; the hub never unsubscribes a
 * rejected symbol, and asks again (subscribe, read) when a stream later wants it.
 *
 * The message handler never waits: it hands quotes to the hub, whose sessions conflate, so a
 * slow reader never backs up into the Redis socket (the server drops a subscriber past 32 MiB).
 */
import { failureStatus, type FeedHandlers, type FeedStatus } from '../../core/feed.ts';
import type { Logger } from '../../core/log.ts';
import type { Quote } from '../../core/quote.ts';
import type { UpstreamConnection } from '../upstream-options.ts';
import type { BusClient } from './client.ts';
import type { Demand } from './demand.ts';
import { decodeBusMessage, type BusNames, type BusRejection } from './names.ts';

export interface BusConnectionOptions {
  client: BusClient;
  /** A cluster client: one `SSUBSCRIBE` per symbol (one slot each), and ioredis resubscribes itself. */
  cluster: boolean;
  names: BusNames;
  demand: Demand;
  symbols: readonly string[];
  handlers: FeedHandlers;
  log: Logger;
  /** Failed connection attempts in a row before `unavailable` (UPSTREAM_MAX_ATTEMPTS). */
  maxAttempts: number;
  now?: () => number;
}

/** Subscribe the hub's symbols on the bus and deliver their quotes, gap-free and once each. */
export function openBusConnection(options: BusConnectionOptions): UpstreamConnection {
  const { client, cluster, names, demand, handlers, log } = options;
  const now = options.now ?? Date.now;
  /** The wanted symbols and the `seq` last delivered of each (0: none yet). */
  const seqs = new Map<string, number>();
  const symbolOf = new Map<string, string>();
  let isClosed = false;
  let failures = 0;
  let isBatchOpen = false;
  const rereads = new Set<string>();
  /** Cluster only: channels ioredis has been asked to subscribe (it resubscribes those itself). */
  const known = new Set<string>();

  const failed = (what: string) => (error: unknown) => {
    if (isClosed) return;
    // A cluster reached as one server refuses the multi-slot SSUBSCRIBE and MGET, and nothing else
    // fails: without this the status stays `connected` and no quote ever arrives.
    if (!cluster && error instanceof Error && error.message.startsWith('CROSSSLOT')) {
      log.warn(`bus ${what} failed: the bus is a cluster, and BUS_URL names one server`, {
        code: 'bus_is_cluster',
        expected: 'BUS_URL=rediss+cluster://host:port (redis+cluster:// without TLS)',
        error,
      });
      return;
    }
    log.warn(`bus ${what} failed`, { code: 'bus_error', error });
  };

  function endBatch(): void {
    isBatchOpen = false;
    handlers.onBatchEnd?.();
  }

  /** Quotes handled in one turn (one socket read) form one batch: one write per stream. */
  function deliver(quote: Quote): void {
    if (!isBatchOpen) {
      isBatchOpen = true;
      handlers.onBatchStart?.();
      queueMicrotask(endBatch);
    }
    handlers.onQuote(quote);
  }

  /**
   * Deliver `payload` if its seq is new for `symbol`; report a gap (a lost message) to the caller. A
   * rejection makes the symbol leave at once (so a second copy, live or read, finds it gone) and is
   * returned for the caller to tell.
   */
  function accept(symbol: string, payload: string): 'delivered' | 'gap' | 'old' | 'bad' | BusRejection {
    const last = seqs.get(symbol);
    if (last === undefined || isClosed) return 'old';
    const message = decodeBusMessage(payload, now());
    if (message === undefined) return 'bad';
    if (message.kind === 'rejected') {
      leave([symbol]);
      return { code: message.code, message: message.message };
    }
    if (message.seq <= last) return 'old';
    seqs.set(symbol, message.seq);
    deliver(message.quote);
    return last > 0 && message.seq > last + 1 ? 'gap' : 'delivered';
  }

  function onMessage(channel: string, payload: string): void {
    const symbol = symbolOf.get(channel);
    if (symbol === undefined) return;
    const outcome = accept(symbol, payload);
    if (outcome === 'bad') handlers.onMalformed(1);
    else if (outcome === 'gap') scheduleReread(symbol);
    else if (typeof outcome === 'object') handlers.onRejected?.([symbol], outcome.code, outcome.message);
  }

  /** Tell the hub about symbols rejected in one read: one call per distinct (code, message). */
  function tellRejected(rejected: readonly (readonly [string, BusRejection])[]): void {
    const groups = new Map<string, { rejection: BusRejection; symbols: string[] }>();
    for (const [symbol, rejection] of rejected) {
      const key = JSON.stringify([rejection.code, rejection.message]);
      let group = groups.get(key);
      if (group === undefined) groups.set(key, (group = { rejection, symbols: [] }));
      group.symbols.push(symbol);
    }
    for (const { rejection, symbols } of groups.values())
      if (!isClosed) handlers.onRejected?.(symbols, rejection.code, rejection.message);
  }

  function scheduleReread(symbol: string): void {
    if (rereads.size === 0) setTimeout(() => void reread(takeRereads()).catch(failed('read')), 0);
    rereads.add(symbol);
  }

  function takeRereads(): string[] {
    const symbols = [...rereads];
    rereads.clear();
    return symbols;
  }

  /** Read the latest value of each symbol (after its subscription was acknowledged). */
  async function reread(symbols: readonly string[]): Promise<void> {
    const wanted = symbols.filter((symbol) => seqs.has(symbol));
    if (wanted.length === 0 || isClosed) return;
    const keys = wanted.map((symbol) => names.latest(symbol));
    // MGET only within one slot: a cluster reads each symbol on its own node.
    const values = await (cluster ? Promise.all(keys.map((key) => client.get(key))) : client.mget(...keys));
    let malformed = 0;
    const rejected: [string, BusRejection][] = [];
    values.forEach((value, i) => {
      const outcome = value === null ? 'old' : accept(wanted[i] as string, value);
      if (outcome === 'bad') malformed += 1;
      else if (typeof outcome === 'object') rejected.push([wanted[i] as string, outcome]);
    });
    if (malformed > 0 && !isClosed) handlers.onMalformed(malformed);
    tellRejected(rejected);
  }

  /** Subscribe, wait for the acknowledgement, then read: the order that makes the join gap-free. */
  async function attach(symbols: readonly string[]): Promise<void> {
    const channels = symbols.map((symbol) => names.channel(symbol));
    if (channels.length === 0) return;
    for (const symbol of symbols) known.add(symbol);
    await (cluster
      ? Promise.all(channels.map((channel) => client.ssubscribe(channel)))
      : client.ssubscribe(...channels));
    await reread(symbols);
  }

  function setStatus(status: FeedStatus): void {
    if (!isClosed) handlers.onStatus(status);
  }

  function onReady(): void {
    failures = 0;
    setStatus({ feed: 'connected' });
    demand.renew();
    // A single server lost every subscription with the connection; ioredis's cluster subscriber
    // group resubscribes what it was once asked to by itself, so there those are only read again.
    const symbols = [...seqs.keys()];
    if (!cluster) return void attach(symbols).catch(failed('subscribe'));
    void attach(symbols.filter((symbol) => !known.has(symbol))).catch(failed('subscribe'));
    void reread(symbols.filter((symbol) => known.has(symbol))).catch(failed('read'));
  }

  function onClose(): void {
    failures += 1;
    const attempt = failures;
    setStatus(failureStatus(attempt, options.maxAttempts));
  }

  const onSubscribersReady = (): void => void reread([...seqs.keys()]).catch(failed('read'));

  function add(symbols: readonly string[]): string[] {
    const added = symbols.filter((symbol) => !seqs.has(symbol));
    for (const symbol of added) {
      seqs.set(symbol, 0);
      symbolOf.set(names.channel(symbol), symbol);
    }
    demand.want(added);
    return added;
  }

  /** Stop wanting `symbols`: release their demand and unsubscribe their channels. */
  function leave(symbols: readonly string[]): void {
    const removed = symbols.filter((symbol) => seqs.delete(symbol));
    if (removed.length === 0) return;
    demand.release(removed);
    const channels = removed.map((symbol) => names.channel(symbol));
    for (const channel of channels) symbolOf.delete(channel);
    for (const symbol of removed) known.delete(symbol);
    if (client.status !== 'ready') return;
    if (cluster) for (const channel of channels) client.sunsubscribe(channel).catch(failed('unsubscribe'));
    else client.sunsubscribe(...channels).catch(failed('unsubscribe'));
  }

  client.on('smessage', onMessage);
  client.on('ready', onReady);
  client.on('close', onClose);
  if (cluster) client.on('subscribersReady', onSubscribersReady);
  add(options.symbols);
  if (client.status === 'ready') onReady();
  else if (client.status === 'wait') client.connect().catch(failed('connect'));

  return {
    subscribe(symbols) {
      const added = add(symbols);
      if (!isClosed && client.status === 'ready') void attach(added).catch(failed('subscribe'));
    },
    unsubscribe: leave,
    close() {
      if (isClosed) return;
      this.unsubscribe([...seqs.keys()]);
      isClosed = true;
      client.off('smessage', onMessage);
      client.off('ready', onReady);
      client.off('close', onClose);
      client.off('subscribersReady', onSubscribersReady);
      demand.close();
    },
  };
}
