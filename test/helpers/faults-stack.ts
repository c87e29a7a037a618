/**
 * One fault scenario's world: a scripted upstream and the real gateway (the streaming handler under
 * the emulator, test/helpers/gateway.ts) on 127.0.0.1:0, the ledger of what the upstream sent, and
 * the resource counts taken before anything started. It also holds the checks every scenario ends
 * with: every stream obeys the contract, a fresh stream is still served, nothing is left open.
 */
import type { SseConnection } from './sse.ts';
import { openSse } from './sse.ts';
import { startGateway, type LogLine, type TestGateway } from './gateway.ts';
import { createLedger, type QuoteLedger } from './faults-ledger.ts';
import { countResources, waitForResourcesBack, type ResourceCounts } from './faults-resources.ts';
import { startCuttingProxy, type CuttingProxy } from './faults-proxy.ts';
import { startScriptedUpstream, type ScriptedUpstream } from './upstream.ts';

/** Named hang guards: generous bounds that only stop a hung test, never a speed claim. */
export const HANG_GUARD_MS = 20_000;

/** The symbol of the probe stream, which no scenario streams otherwise. */
const PROBE_SYMBOL = 'PROBE';

export interface FaultStackOptions {
  /**
   * Gateway variables; THROTTLE_MS defaults to 0 (every quote passes), LOG_LEVEL to info (summaries)
   * and UPSTREAM_LINGER_MS to 0 (as on Lambda: the hub's connection closes with the last stream, so
   * "idle" means no upstream connection).
   */
  env?: Record<string, string>;
  /** Symbols the numbered quotes rotate over. @defaultValue AAPL, MSFT, NVDA, TSLA */
  ledgerSymbols?: readonly string[];
  functionTimeoutS?: number;
  /** Put a {@link CuttingProxy} between the gateway and the upstream. */
  viaProxy?: boolean;
}

export interface FaultStack {
  readonly upstream: ScriptedUpstream;
  readonly gateway: TestGateway;
  readonly ledger: QuoteLedger;
  /** The relay, when started with `viaProxy`. */
  readonly proxy: CuttingProxy | undefined;
  /** Resources before the stack started, and with the stack idle (no stream yet). */
  readonly before: ResourceCounts;
  readonly idle: ResourceCounts;
  /** Open a stream; `connection: close` so no idle keep-alive socket outlives it. */
  open(symbols: readonly string[], headers?: Record<string, string>): Promise<SseConnection>;
  /** The `stream summary` log lines so far. */
  summaries(): LogLine[];
  /** Wait (bounded, polled) until at least `count` streams have logged their summary. */
  waitForSummaries(count: number, hangGuardMs?: number): Promise<void>;
  /** A fresh stream opens and gets a quote the upstream sends now: the gateway still serves. */
  probe(): Promise<void>;
  /** After every stream ended: every upstream connection closed, counts back to the idle ones. */
  expectIdle(what: string): Promise<void>;
  /** Close gateway then upstream; counts back to those before the stack started. */
  closeAndExpectNothingLeft(what: string): Promise<void>;
}

/** [contract §1] The window a quote's `ts` must fall in: 2000-01-01 to 60 s after now. */
const EARLIEST_TS = Date.UTC(2000, 0, 1);
const FUTURE_SLACK_MS = 60_000;

/** Contract rules every delivered quote obeys (docs/CONTRACT.md §1, §2), checked independently. */
function contractProblems(data: string): string[] {
  const q = JSON.parse(data) as Record<string, unknown>;
  const problems: string[] = [];
  const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  if (typeof q.symbol !== 'string' || q.symbol === '') problems.push(`no symbol in ${data}`);
  if (!finite(q.ts) || q.ts < EARLIEST_TS || q.ts > Date.now() + FUTURE_SLACK_MS) {
    problems.push(`ts outside [2000-01-01, now + 60 s]: ${data}`);
  }
  for (const field of ['bid', 'ask', 'last'] as const) {
    if (field in q && !(finite(q[field]) && q[field] > 0))
      problems.push(`${field} not a positive price: ${data}`);
  }
  for (const field of ['bidSize', 'askSize'] as const) {
    if (field in q && !(finite(q[field]) && q[field] >= 0)) problems.push(`${field} not a size: ${data}`);
  }
  if (finite(q.bid) && finite(q.ask) && q.bid > q.ask) problems.push(`crossed: ${data}`);
  return problems;
}

/** Problems of one stream against the contract and the ledger (an empty list when it is sound). */
export function streamProblems(
  stream: SseConnection,
  symbols: readonly string[],
  ledger: QuoteLedger,
  options: { endedOnPurpose: boolean },
): string[] {
  const problems: string[] = [];
  const wanted = new Set(symbols);
  let lastId = -Infinity;
  for (const quote of stream.events('quote')) {
    const id = Number(quote.id);
    if (!(Number.isInteger(id) && id > lastId)) problems.push(`quote id ${quote.id} after ${lastId}`);
    lastId = id;
    const why = ledger.explain(quote.data);
    if (why !== undefined) problems.push(why);
    problems.push(...contractProblems(quote.data));
    const symbol = (JSON.parse(quote.data) as { symbol?: string }).symbol ?? '';
    if (!wanted.has(symbol)) problems.push(`quote for ${symbol}, which was not requested`);
  }
  if (options.endedOnPurpose) {
    const last = stream.items.at(-1);
    if (stream.isAborted) problems.push('a purposeful end was cut (aborted body)');
    if (last?.kind !== 'event' || last.event !== 'end') {
      problems.push(`last item is not end: ${JSON.stringify(last)}`);
    } else {
      const end = JSON.parse(last.data) as { quotes?: number };
      const count = stream.events('quote').length;
      if (end.quotes !== count) problems.push(`end says ${end.quotes} quotes, the stream held ${count}`);
    }
    if (stream.events('end').length !== 1) problems.push(`${stream.events('end').length} end events`);
  }
  return problems;
}

/**
 * Poll `done` on each timer tick until it holds; fail after `hangGuardMs` naming `what` (a function
 * when the name reports a figure as it stands at the failure).
 */
export function waitUntil(
  what: string | (() => string),
  done: () => boolean,
  hangGuardMs = HANG_GUARD_MS,
): Promise<void> {
  const startedAt = Date.now();
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (done()) return resolve();
      if (Date.now() - startedAt > hangGuardMs) {
        const name = typeof what === 'string' ? what : what();
        return reject(new Error(`hang guard: no ${name} after ${hangGuardMs} ms`));
      }
      setTimeout(check, 5);
    };
    check();
  });
}

/** Wait until `stream` has been told the upstream is connected (its symbols are then subscribed). */
export function waitForConnected(stream: SseConnection): Promise<void> {
  return stream.waitFor(
    'status connected',
    (items) =>
      items.some((i) => i.kind === 'event' && i.event === 'status' && i.data.includes('"connected"')),
    HANG_GUARD_MS,
  );
}

/** Start a scenario's upstream and gateway. */
export async function startFaultStack(options: FaultStackOptions = {}): Promise<FaultStack> {
  const before = countResources();
  const upstream = await startScriptedUpstream();
  const proxy = options.viaProxy ? await startCuttingProxy(upstream.url) : undefined;
  const gateway = await startGateway({
    env: {
      UPSTREAM_URL: proxy?.url ?? upstream.url,
      LOG_LEVEL: 'info',
      THROTTLE_MS: '0',
      UPSTREAM_LINGER_MS: '0',
      ...options.env,
    },
    functionTimeoutS: options.functionTimeoutS,
  });
  const ledger = createLedger(options.ledgerSymbols ?? ['AAPL', 'MSFT', 'NVDA', 'TSLA']);
  const idle = countResources();
  const summaries = (): LogLine[] => gateway.logs.filter((line) => line.msg === 'stream summary');
  const open = (symbols: readonly string[], headers: Record<string, string> = {}): Promise<SseConnection> =>
    openSse(`${gateway.url}/stream?symbols=${symbols.join(',')}`, { connection: 'close', ...headers });

  return {
    upstream,
    gateway,
    ledger,
    proxy,
    before,
    idle,
    open,
    summaries,
    waitForSummaries: (count, hangGuardMs) =>
      waitUntil(
        () => `${count} stream summaries (saw ${summaries().length})`,
        () => summaries().length >= count,
        hangGuardMs,
      ),
    async probe() {
      const stream = await open([PROBE_SYMBOL]);
      await stream.waitFor(
        'the probe stream connected upstream',
        (items) =>
          items.some((i) => i.kind === 'event' && i.event === 'status' && i.data.includes('"connected"')),
        HANG_GUARD_MS,
      );
      const bid = 42 + Math.random();
      const quote = { type: 'quote', symbol: PROBE_SYMBOL, bid, ask: bid + 1, ts: Date.now() };
      ledger.sendRaw(upstream, quote);
      await stream.waitFor('the probe quote', () => stream.events('quote').length === 1, HANG_GUARD_MS);
      const problems = streamProblems(stream, [PROBE_SYMBOL], ledger, { endedOnPurpose: false });
      stream.destroy();
      await stream.waitForClose(HANG_GUARD_MS);
      if (problems.length > 0) throw new Error(`probe stream: ${problems.join('; ')}`);
    },
    async expectIdle(what) {
      await waitUntil(
        () => `closed upstream connections (${upstream.disconnects} of ${upstream.connections})`,
        () => upstream.disconnects === upstream.connections,
      );
      await waitForResourcesBack(idle, `${what}: gateway idle`, HANG_GUARD_MS);
    },
    async closeAndExpectNothingLeft(what) {
      await gateway.close();
      // Before the upstream closes its end: every connection the gateway opened, it closed itself.
      await waitUntil(
        () =>
          `the gateway to close its upstream connections (${upstream.disconnects} of ${upstream.connections})`,
        () => upstream.disconnects === upstream.connections,
      );
      await proxy?.close();
      await upstream.close();
      await waitForResourcesBack(before, `${what}: after close`, HANG_GUARD_MS);
    },
  };
}
