/**
 * The dashboard's one connection to the gateway: an `EventSource` on `/stream?symbols=…`, and the
 * state machine around it that tells a purposeful `end` from a cut stream.
 *
 * - `end` (the gateway's planned rotation): close this `EventSource` and open a new one after
 *   `reconnectAfterEndMs`. A new `EventSource` cannot send `Last-Event-ID`, so the new stream starts
 *   fresh, which a latest-value board does not mind.
 * - A cut stream (no `end`): the browser's `EventSource` reconnects by itself after the `retry:`
 *   hint and sends `Last-Event-ID`; we only show it.
 * - A refused stream (any non-200): `EventSource` gives up without exposing the status or the body,
 *   so we `fetch` the same URL once to read it, then abort that request. A 4xx that retrying cannot
 *   heal (a 400 for bad symbols, API Gateway's 403 for a wrong `?api=` path) stops the page with
 *   the server's message, as it stops the ticker; anything else is retried with backoff.
 * - A symbol change keeps the old stream until the new one has answered 200 (make before break),
 *   so a rejected symbol never blanks the board.
 *
 * The page's one state machine, kept whole so every transition reads in one place. What it takes and
 * reports (connection-api.ts), payload checks (clients/sse/contract.ts, shared with the terminal
 * clients), the backoff (clients/sse/backoff.ts, likewise) and the refusal probe (probe.ts) live
 * elsewhere.
 * @see docs/CONTRACT.md §2, docs/dashboard.md
 */
import { DEFAULT_RETRY_MS, ReconnectPolicy } from '../../sse/backoff.ts';
import { decodeMessage, type ContractEvent } from '../../sse/contract.ts';
import type { Connection, ConnectionOptions, Counters, Phase } from './connection-api.ts';
import { probeStream, type ProbeResult } from './probe.ts';

interface Stream {
  es: EventSource;
  symbols: string[];
  isOpen: boolean;
  lastEventId: string;
  closesAt: number | null;
}

/** Opens and keeps open the stream for a changing list of symbols. */
export function createConnection(options: ConnectionOptions): Connection {
  const ES = options.EventSource ?? EventSource;
  const fetchImpl = options.fetch ?? fetch.bind(globalThis);
  const now = options.now ?? (() => performance.timeOrigin + performance.now());
  // The terminal clients' policy: full jitter between the retry time and a doubling ceiling.
  const policy = new ReconnectPolicy({
    random: options.random,
    retryMs: options.reconnectAfterEndMs ?? DEFAULT_RETRY_MS,
  });
  const counters: Counters = { streams: 0, ends: 0, cuts: 0, skipped: 0 };
  const probes = new AbortController(); // aborted by close(): drops every probe in flight
  let applied: string[] = [];
  let current: Stream | null = null;
  let candidate: Stream | null = null;
  let candidateToken = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let phase: Phase = { kind: 'idle' };

  const setPhase = (next: Phase): void => {
    phase = next;
    options.onPhase(next);
  };
  const count = (key: keyof Counters): void => {
    counters[key] += 1;
    options.onCounters({ ...counters });
  };
  function openStream(symbols: string[]): Stream {
    const stream: Stream = {
      es: new ES(options.url(symbols)),
      symbols,
      isOpen: false,
      lastEventId: '',
      closesAt: null,
    };
    const on = (type: string, listener: (event: MessageEvent<string>) => void): void =>
      stream.es.addEventListener(type, (event) => listener(event as MessageEvent<string>));
    on('open', () => streamOnOpen(stream));
    on('error', () => streamOnError(stream));
    on('ready', (event) => streamOnReady(stream, event));
    on('quote', (event) => streamOnQuote(stream, event));
    on('status', (event) => streamOnStatus(stream, event));
    on('rejected', (event) => streamOnRejected(stream, event));
    on('end', (event) => streamOnEnd(stream, event));
    return stream;
  }

  function streamOnOpen(stream: Stream): void {
    stream.isOpen = true;
    count('streams');
    if (stream !== candidate) return;
    // The 200 proves the new list valid: only now let go of the old stream.
    candidate = null;
    current?.es.close();
    clearTimeout(timer);
    current = stream;
    applied = stream.symbols;
    options.onApplied([...applied]);
    if (phase.kind !== 'live') setPhase({ kind: 'connecting' });
  }

  function streamOnError(stream: Stream): void {
    if (stream === candidate) {
      candidate = null;
      stream.es.close();
      const token = ++candidateToken;
      void probe(stream.symbols).then((result) => {
        if (token !== candidateToken) return;
        if (result.kind === 'rejected') options.onRejected(result.rejection, stream.symbols, true);
        else replaceCurrent(stream.symbols); // may heal: go through the ordinary reconnect path
      });
      return;
    }
    if (stream !== current) return;
    if (stream.es.readyState === ES.CONNECTING) {
      // [spec] On a network error or a closed connection, EventSource "reestablishes the
      // connection": it waits the `retry:` time and reconnects, sending Last-Event-ID.
      const wasOpen = stream.isOpen;
      stream.isOpen = false;
      if (wasOpen) count('cuts');
      // The browser waits by itself; counting the failure makes our own next wait back off further.
      if (!wasOpen) policy.failures += 1;
      const attempt = phase.kind === 'reconnecting' && !wasOpen ? phase.attempt + 1 : 1;
      const cause = wasOpen || phase.kind === 'reconnecting' ? 'cut' : 'unreachable';
      setPhase({ kind: 'reconnecting', cause, lastEventId: stream.lastEventId, attempt, retryAt: null });
      return;
    }
    // [spec] A non-200 status or another content type "fails the connection": readyState is CLOSED
    // and EventSource never retries, nor does it expose the status or body. Ask fetch what it was:
    // a 4xx that will not heal stops here; anything else is retried with backoff.
    stream.es.close();
    void probe(stream.symbols).then((result) => {
      if (stream !== current) return;
      if (result.kind === 'rejected') {
        current = null;
        setPhase({ kind: 'rejected', rejection: result.rejection });
        options.onRejected(result.rejection, stream.symbols, false);
      } else {
        scheduleReconnect(stream, result.detail);
      }
    });
  }

  function streamOnReady(stream: Stream, event: MessageEvent<string>): void {
    if (stream !== current) return;
    const decoded = decode('ready', event);
    seen(stream, event);
    if (decoded.type !== 'ready') return count('skipped');
    policy.reset();
    stream.closesAt = decoded.data.closesAt;
    setPhase({ kind: 'live', closesAt: stream.closesAt });
    options.onReady(decoded.data);
  }

  function streamOnQuote(stream: Stream, event: MessageEvent<string>): void {
    if (stream !== current) return;
    const receivedAt = now();
    const decoded = decode('quote', event);
    seen(stream, event, receivedAt);
    if (decoded.type !== 'quote') return count('skipped');
    if (phase.kind !== 'live') setPhase({ kind: 'live', closesAt: stream.closesAt });
    options.onQuote(decoded.data, receivedAt);
  }

  function streamOnStatus(stream: Stream, event: MessageEvent<string>): void {
    if (stream !== current) return;
    const decoded = decode('status', event);
    seen(stream, event);
    if (decoded.type === 'status') options.onUpstream(decoded.data);
    else count('skipped');
  }

  function streamOnRejected(stream: Stream, event: MessageEvent<string>): void {
    if (stream !== current) return;
    const decoded = decode('rejected', event);
    seen(stream, event);
    if (decoded.type === 'rejected') options.onSymbolsRejected(decoded.data);
    else count('skipped');
  }

  function streamOnEnd(stream: Stream, event: MessageEvent<string>): void {
    if (stream !== current) return;
    // Closing before the server's FIN arrives keeps EventSource from reconnecting on its own.
    stream.es.close();
    seen(stream, event);
    current = null;
    count('ends');
    // [contract] `end` is the last event even when its payload is broken: the stream is over.
    const decoded = decode('end', event);
    if (decoded.type !== 'end') count('skipped');
    const end = decoded.type === 'end' ? decoded.data : undefined;
    const reason = end?.reason ?? 'unknown';
    // `deadline` is the planned rotation; anything else backs off in case the gateway is unwell.
    const delayMs = reason === 'deadline' ? policy.afterClean() : policy.afterFailure();
    reopenAfter(delayMs, (reconnectAt) => ({ kind: 'rotating', reason, quotes: end?.quotes, reconnectAt }));
  }

  /**
   * Check a payload against the contract with the terminal clients' checker. One difference remains:
   * EventSource carries the last seen id over to later events, so a quote without an `id:` line is
   * caught only before the stream's first id (the terminal clients see every event's own id).
   */
  function decode(type: string, event: MessageEvent<string>): ContractEvent {
    const id = event.lastEventId === '' ? undefined : event.lastEventId;
    // A quote's `ts` must be plausible against this page's clock: a far-future one would pin the chart.
    return decodeMessage({ event: type, data: event.data, id }, now);
  }

  function seen(stream: Stream, event: MessageEvent<string>, receivedAt = now()): void {
    if (event.lastEventId !== '') stream.lastEventId = event.lastEventId;
    options.onEvent(receivedAt, stream.lastEventId);
  }

  function scheduleReconnect(stream: Stream, detail: string): void {
    const delayMs = policy.afterFailure();
    const base = {
      kind: 'reconnecting',
      cause: 'refused',
      lastEventId: stream.lastEventId,
      attempt: policy.failures,
      detail,
    } as const;
    reopenAfter(delayMs, (retryAt) => ({ ...base, retryAt }));
  }

  /** Show `phaseAt(when)`, then after `delayMs` show `phaseAt(null)` and reopen the applied symbols. */
  function reopenAfter(delayMs: number, phaseAt: (at: number | null) => Phase): void {
    setPhase(phaseAt(now() + delayMs));
    clearTimeout(timer);
    timer = setTimeout(() => {
      setPhase(phaseAt(null));
      current = openStream(applied);
    }, delayMs);
  }

  function probe(symbols: string[]): Promise<ProbeResult> {
    return probeStream(options.url(symbols), fetchImpl, probes.signal);
  }

  /** Stop the applied stream and any reopen pending for it. */
  function closeCurrent(): void {
    clearTimeout(timer);
    current?.es.close();
    current = null;
  }

  function replaceCurrent(symbols: string[]): void {
    closeCurrent();
    applied = symbols;
    options.onApplied([...applied]);
    policy.reset();
    setPhase({ kind: 'connecting' });
    current = openStream(symbols);
  }

  function dropCandidate(): void {
    candidateToken += 1;
    candidate?.es.close();
    candidate = null;
  }

  return {
    setSymbols(next) {
      const symbols = [...next];
      const wanted = candidate?.symbols ?? applied;
      if (symbols.join(',') === wanted.join(',') && phase.kind !== 'rejected') return;
      dropCandidate();
      if (symbols.length === 0) {
        closeCurrent();
        applied = [];
        options.onApplied([]);
        setPhase({ kind: 'idle' });
      } else if (current?.isOpen && phase.kind === 'live') {
        candidate = openStream(symbols);
      } else {
        replaceCurrent(symbols);
      }
    },
    close() {
      dropCandidate();
      closeCurrent();
      probes.abort();
      setPhase({ kind: 'idle' });
    },
  };
}
