/**
 * clients/dashboard/src/connection.ts, the page's state machine, on a fake EventSource and a fake
 * fetch: make before break, `end` vs cut vs refused, the shared backoff and the refusal policy.
 * The same page in Chromium: test/browser/dashboard.test.ts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ConnectionOptions, Counters, Phase } from '../../../../clients/dashboard/src/connection-api.ts';
import { createConnection } from '../../../../clients/dashboard/src/connection.ts';
import { MAX_BACKOFF_MS } from '../../../../clients/sse/backoff.ts';
import type { QuoteData, RejectedData } from '../../../../clients/sse/contract.ts';

class FakeEventSource extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static made: FakeEventSource[] = [];
  readyState = FakeEventSource.CONNECTING;
  readonly url: string;
  constructor(url: string) {
    super();
    this.url = url;
    FakeEventSource.made.push(this);
  }
  close(): void {
    this.readyState = FakeEventSource.CLOSED;
  }
  open(): void {
    this.readyState = FakeEventSource.OPEN;
    this.dispatchEvent(new Event('open'));
  }
  emit(type: string, data: unknown, lastEventId = ''): void {
    this.dispatchEvent(new MessageEvent(type, { data: JSON.stringify(data), lastEventId }));
  }
  fail(readyState: number): void {
    this.readyState = readyState;
    this.dispatchEvent(new Event('error'));
  }
}

const unexpectedFetch: typeof fetch = () => Promise.reject(new Error('unexpected fetch'));

function connect(fetchImpl: typeof fetch = unexpectedFetch, random = 0.5) {
  const phases: Phase[] = [];
  const phaseWaiters: Array<{ kind: Phase['kind']; resolve: (phase: Phase) => void }> = [];
  /** Resolves at the next phase of `kind`, without moving (fake) time: probes settle on promises. */
  const nextPhase = (kind: Phase['kind']): Promise<Phase> =>
    new Promise((resolve) => phaseWaiters.push({ kind, resolve }));
  const applied: string[][] = [];
  const rejected: Array<{ message: string; candidate: boolean }> = [];
  const counters: Counters[] = [];
  const quotes: QuoteData[] = [];
  const upstreamRejected: RejectedData[] = [];
  const options: ConnectionOptions = {
    url: (symbols) => `/stream?symbols=${symbols.join(',')}`,
    onPhase(phase) {
      phases.push(phase);
      for (const waiter of phaseWaiters.filter((w) => w.kind === phase.kind)) {
        phaseWaiters.splice(phaseWaiters.indexOf(waiter), 1);
        waiter.resolve(phase);
      }
    },
    onApplied: (symbols) => applied.push(symbols),
    onRejected: (rejection, _symbols, candidate) => rejected.push({ message: rejection.message, candidate }),
    onReady: () => {},
    onQuote: (quote) => quotes.push(quote),
    onUpstream: () => {},
    onSymbolsRejected: (data) => upstreamRejected.push(data),
    onEvent: () => {},
    onCounters: (next) => counters.push(next),
    now: () => Date.now(),
    random: () => random,
    fetch: fetchImpl,
    EventSource: FakeEventSource as unknown as typeof EventSource,
  };
  const connection = createConnection(options);
  const made = FakeEventSource.made;
  return { connection, phases, nextPhase, applied, rejected, upstreamRejected, counters, quotes, made };
}

const READY = { symbols: ['AAPL'], throttleMs: 250, heartbeatMs: 15_000 };
const live = (es: FakeEventSource | undefined): void => {
  es?.open();
  es?.emit('ready', { ...READY, closesAt: Date.now() + 60_000 });
};
const answer = (status: number, body: unknown) => vi.fn(async () => Response.json(body, { status }));

describe('createConnection', () => {
  afterEach(() => {
    vi.useRealTimers();
    FakeEventSource.made = [];
  });

  it('keeps the old stream until the new symbol list is answered 200', () => {
    const { connection, applied, made } = connect();
    connection.setSymbols(['AAPL']);
    live(made[0]);

    connection.setSymbols(['AAPL', 'TSLA']);

    expect(made.map((es) => es.url)).toEqual(['/stream?symbols=AAPL', '/stream?symbols=AAPL,TSLA']);
    expect(made[0]?.readyState).toBe(FakeEventSource.OPEN);

    made[1]?.open();

    expect(made[0]?.readyState).toBe(FakeEventSource.CLOSED);
    expect(applied).toEqual([['AAPL'], ['AAPL', 'TSLA']]);
  });

  it('reads the 400 body with fetch when the new list is refused, and keeps the old stream', async () => {
    const body = { error: 'invalid_symbols', message: 'Invalid symbols: A..B', invalid: ['A..B'] };
    const fetchImpl = answer(400, body);
    const { connection, rejected, applied, made } = connect(fetchImpl);
    connection.setSymbols(['AAPL']);
    live(made[0]);

    connection.setSymbols(['AAPL', 'A..B']);
    made[1]?.fail(FakeEventSource.CLOSED);
    await vi.waitFor(() => expect(rejected).toHaveLength(1));

    expect(rejected).toEqual([{ message: 'Invalid symbols: A..B', candidate: true }]);
    expect(fetchImpl).toHaveBeenCalledTimes(1);
    expect(made[0]?.readyState).toBe(FakeEventSource.OPEN);
    expect(applied).toEqual([['AAPL']]);
  });

  it('stops for good on a 403 (a wrong ?api= path), with its message, as the ticker does', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const fetchImpl = answer(403, { message: 'Missing Authentication Token' });
    const { connection, phases, nextPhase, rejected, made } = connect(fetchImpl);
    connection.setSymbols(['AAPL']);

    made[0]?.fail(FakeEventSource.CLOSED);
    await nextPhase('rejected');
    await vi.advanceTimersByTimeAsync(2 * MAX_BACKOFF_MS);

    expect(rejected).toEqual([{ message: 'HTTP 403: Missing Authentication Token', candidate: false }]);
    expect(phases.at(-1)).toMatchObject({
      kind: 'rejected',
      rejection: { status: 403, message: 'HTTP 403: Missing Authentication Token', invalid: [] },
    });
    expect(made).toHaveLength(1);
    expect(fetchImpl).toHaveBeenCalledTimes(1);
  });

  it('retries a 503 with the shared backoff: at least the retry time, then a doubling window', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const fetchImpl = answer(503, { message: 'Service Unavailable' });
    const { connection, phases, nextPhase, made } = connect(fetchImpl, 0.5);
    connection.setSymbols(['AAPL']);

    made[0]?.fail(FakeEventSource.CLOSED);
    // The middle of the first window [1000, 2000]: jittered, never below the retry hint.
    expect(await nextPhase('reconnecting')).toMatchObject({ attempt: 1, retryAt: Date.now() + 1500 });
    await vi.advanceTimersByTimeAsync(1499);
    expect(made).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(made).toHaveLength(2);

    made[1]?.fail(FakeEventSource.CLOSED);
    // The middle of the second window [1000, 4000].
    expect(await nextPhase('reconnecting')).toMatchObject({ attempt: 2, retryAt: Date.now() + 2500 });
    await vi.advanceTimersByTimeAsync(2499);
    expect(made).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);

    expect(made).toHaveLength(3);
    expect(phases.at(-1)).toMatchObject({ kind: 'reconnecting', cause: 'refused', detail: 'HTTP 503' });
  });

  it('closes the stream on `end` and opens a new one after the reconnect pause', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { connection, phases, made } = connect();
    connection.setSymbols(['AAPL']);
    live(made[0]);

    made[0]?.emit('end', { reason: 'deadline', quotes: 3, lastEventId: '3' });

    expect(made[0]?.readyState).toBe(FakeEventSource.CLOSED);
    expect(phases.at(-1)).toMatchObject({ kind: 'rotating', reason: 'deadline', quotes: 3 });
    await vi.advanceTimersByTimeAsync(999);
    expect(made).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(made).toHaveLength(2);
  });

  it('ends a stream on a broken `end` too, counts it as skipped and backs off', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { connection, phases, counters, made } = connect(unexpectedFetch, 0.5);
    connection.setSymbols(['AAPL']);
    live(made[0]);

    made[0]?.emit('end', { reason: 'deadline' }); // no `quotes`: breaks the contract

    expect(made[0]?.readyState).toBe(FakeEventSource.CLOSED);
    expect(phases.at(-1)).toMatchObject({ kind: 'rotating', reason: 'unknown', quotes: undefined });
    expect(counters.at(-1)).toMatchObject({ ends: 1, skipped: 1 });
    // The failure window's middle (1500 ms), not the 1000 ms pause after a clean `end`.
    await vi.advanceTimersByTimeAsync(1499);
    expect(made).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(made).toHaveLength(2);
  });

  it('skips payloads the terminal clients would also call invalid', () => {
    const { connection, phases, counters, made } = connect();
    connection.setSymbols(['AAPL']);
    made[0]?.open();

    made[0]?.emit('ready', { symbols: ['AAPL'], heartbeatMs: 15_000, closesAt: 1 }); // no throttleMs
    made[0]?.emit('quote', { symbol: 'AAPL', bid: 1, ask: 2, ts: 0 }); // no id
    made[0]?.emit('quote', { symbol: 'AAPL', bid: '1', ask: 2, ts: 0 }, '7');

    expect(counters.at(-1)).toMatchObject({ skipped: 3 });
    expect(phases.at(-1)).toEqual({ kind: 'connecting' });
  });

  it('passes rejected symbols and trade-only quotes on, and keeps the stream live', () => {
    const { connection, phases, counters, quotes, upstreamRejected, made } = connect();
    connection.setSymbols(['AAPL', 'ZZZZ']);
    live(made[0]);
    const rejection = { symbols: ['ZZZZ'], code: 'unknown_symbol', message: 'ZZZZ is not listed' };

    made[0]?.emit('rejected', rejection);
    made[0]?.emit('rejected', { symbols: 'ZZZZ', code: 'unknown_symbol', message: 'x' }); // not a list
    made[0]?.emit('quote', { symbol: 'AAPL', last: 189.13, lastSize: 25, ts: Date.now() }, '1');

    expect(upstreamRejected).toEqual([rejection]);
    expect(quotes).toMatchObject([{ symbol: 'AAPL', last: 189.13, lastSize: 25 }]);
    expect(counters.at(-1)).toMatchObject({ skipped: 1 });
    expect(phases.at(-1)).toMatchObject({ kind: 'live' });
    expect(made).toHaveLength(1);
  });

  it('leaves a cut stream to the browser and reports the id it will resume from', () => {
    const { connection, phases, made } = connect();
    connection.setSymbols(['AAPL']);
    live(made[0]);
    made[0]?.emit('quote', { symbol: 'AAPL', bid: 1, ask: 2, ts: 0 }, '41');

    made[0]?.fail(FakeEventSource.CONNECTING);

    expect(phases.at(-1)).toEqual({
      kind: 'reconnecting',
      cause: 'cut',
      lastEventId: '41',
      attempt: 1,
      retryAt: null,
    });
    expect(made).toHaveLength(1); // no second EventSource: the browser's own reconnect sends Last-Event-ID
  });

  // Regression, security review M1: one far-future `ts` pinned the chart's time axis.
  it('skips a quote whose ts is implausible against the page clock, and passes a plausible one', () => {
    const { connection, counters, quotes, made } = connect();
    connection.setSymbols(['AAPL']);
    live(made[0]);
    const now = Date.now();

    made[0]?.emit('quote', { symbol: 'AAPL', bid: 1, ask: 2, ts: now + 3_600_000 }, '1');
    made[0]?.emit('quote', { symbol: 'AAPL', bid: 1, ask: 2, ts: 1.732e18 }, '2');
    made[0]?.emit('quote', { symbol: 'AAPL', bid: 1, ask: 2, ts: now }, '3');

    expect(quotes.map((q) => q.ts)).toEqual([now]);
    expect(counters.at(-1)).toMatchObject({ skipped: 2 });
  });

  it.each([
    [401, { message: 'Unauthorized' }, 'HTTP 401: a token is required', 'token_required', []],
    [
      403,
      { Message: 'User is not authorized to access this resource with an explicit deny' },
      'HTTP 403: the token was refused (invalid, expired or signed with another key)',
      'token_refused',
      [],
    ],
    [
      403,
      { error: 'forbidden_symbols', message: 'no', forbidden: ['AAPL'] },
      'HTTP 403: the token does not allow AAPL',
      'forbidden_symbols',
      ['AAPL'],
    ],
  ])('stops on a %i access refusal with a clear message', async (status, body, message, access, invalid) => {
    const { connection, nextPhase, made } = connect(answer(status, body));
    connection.setSymbols(['AAPL']);

    made[0]?.fail(FakeEventSource.CLOSED);

    expect(await nextPhase('rejected')).toMatchObject({ rejection: { status, message, access, invalid } });
  });
});
