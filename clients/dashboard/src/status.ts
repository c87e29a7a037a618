/**
 * The connection bar: the phase in words (the page's only polite live region, so a screen reader
 * hears "Live", "Rotating", "Reconnecting" and nothing that ticks), and beside it, outside the live
 * region, the countdown, the upstream's status, the age of the last event, quote latency, quotes/s
 * and stream counts.
 *
 * Heartbeat comments never reach `EventSource` listeners ([spec] lines starting with ":" are
 * ignored), so "last event" is the age of the last `ready`, `quote`, `status` or `end`.
 */
import type { Counters, Phase } from './connection-api.ts';
import type { Rejection } from './probe.ts';
import type { StatusData } from '../../sse/contract.ts';
import { formatAge, formatMinutesSeconds, formatMs } from './format.ts';
import { createMedian, createRateMeter } from './stats.ts';

/** The elements the bar writes to. */
export interface StatusElements {
  root: HTMLElement;
  label: HTMLElement;
  detail: HTMLElement;
  upstream: HTMLElement;
  age: HTMLElement;
  latency: HTMLElement;
  rate: HTMLElement;
  streams: HTMLElement;
}

/** What the page tells the connection bar. */
export interface StatusBar {
  setPhase(phase: Phase): void;
  setUpstream(status: StatusData | null): void;
  setCounters(counters: Counters): void;
  noteEvent(receivedAt: number, lastEventId: string): void;
  noteQuote(receivedAt: number, ts: number): void;
}

const LABELS: Record<Phase['kind'], string> = {
  idle: 'Idle',
  connecting: 'Connecting',
  live: 'Live',
  rotating: 'Rotating',
  reconnecting: 'Reconnecting',
  rejected: 'Rejected',
};

function describe(phase: Phase, now: number): string {
  const until = (at: number): string => formatMinutesSeconds(at - now);
  switch (phase.kind) {
    case 'idle':
      return 'Add a symbol to start streaming.';
    case 'connecting':
      return 'Opening the stream…';
    case 'live':
      if (phase.closesAt === null) return 'Streaming.';
      return phase.closesAt > now ? `Planned rotation in ${until(phase.closesAt)}` : 'Planned rotation due…';
    case 'rotating': {
      const quotes = phase.quotes === undefined ? '' : `, ${phase.quotes.toLocaleString('en-US')} quotes`;
      const next =
        phase.reconnectAt === null ? 'opening a new stream…' : `new stream in ${until(phase.reconnectAt)}`;
      return `Stream ended on purpose (${phase.reason}${quotes}) · ${next}`;
    }
    case 'reconnecting': {
      const attempt = phase.attempt > 1 ? ` (attempt ${phase.attempt})` : '';
      if (phase.cause === 'refused') {
        const next = phase.retryAt === null ? 'retrying now…' : `retry in ${until(phase.retryAt)}`;
        return `Stream refused (${phase.detail ?? 'no answer'}) · ${next}${attempt}`;
      }
      const resume = phase.lastEventId === '' ? '' : ` with Last-Event-ID ${phase.lastEventId}`;
      const what = phase.cause === 'cut' ? 'Stream cut without end' : 'Gateway unreachable';
      return `${what} · browser retrying${resume}${attempt}`;
    }
    case 'rejected':
      return describeRejected(phase.rejection);
  }
}

/**
 * Why the page stopped: a 400 is about the symbols; a 401 or a token's 403 about `?token=`; another
 * 4xx usually means a wrong `?api=`.
 */
function describeRejected({ status, message, access }: Rejection): string {
  if (status === undefined) return message;
  if (status === 400) return `The gateway refused these symbols: ${message}`;
  switch (access) {
    case 'token_required':
      return `The gateway requires a token (${message}). Add ?token= to the page address.`;
    case 'token_refused':
      return `The gateway refused the token (${message}). Open the page with a fresh ?token=.`;
    case 'forbidden_symbols':
      return `The token does not allow every symbol (${message}). Remove those rows or use another token.`;
    case undefined:
      return `The gateway refused the stream (${message}) and will not be retried. Check that ?api= is the stage's base URL.`;
  }
}

/** Creates the bar and its refresh timer (five times a second, for the countdown and ages). */
export function createStatusBar(el: StatusElements, now: () => number): StatusBar {
  const rate = createRateMeter();
  const latency = createMedian();
  let phase: Phase = { kind: 'idle' };
  let lastEventAt: number | null = null;
  let lastEventId = '';

  const write = (target: HTMLElement, text: string): void => {
    if (target.textContent !== text) target.textContent = text; // skip no-op writes: no layout churn
  };
  const refresh = (): void => {
    const at = now();
    write(el.detail, describe(phase, at));
    const id = lastEventId === '' ? '' : ` · id ${lastEventId}`;
    write(el.age, lastEventAt === null ? '—' : `${formatAge(at - lastEventAt)}${id}`);
    write(el.rate, rate.perSecond(at).toFixed(1));
    const median = latency.value();
    write(el.latency, median === null ? '—' : formatMs(median));
  };
  setInterval(refresh, 200);

  return {
    setPhase(next) {
      phase = next;
      el.root.dataset.phase = next.kind;
      write(el.label, LABELS[next.kind]);
      refresh();
    },
    setUpstream(status) {
      el.upstream.dataset.feed = status?.feed ?? '';
      // `unavailable (auth_failed)`: the upstream's own reason says what to fix (a key, a plan).
      const details = [
        status?.attempt === undefined ? '' : `attempt ${status.attempt}`,
        status?.reason ?? '',
      ];
      const detail = details.filter(Boolean).join(', ');
      write(el.upstream, status ? `${status.feed}${detail === '' ? '' : ` (${detail})`}` : '—');
    },
    setCounters(counters) {
      el.streams.dataset.ends = String(counters.ends);
      el.streams.dataset.cuts = String(counters.cuts);
      const skipped = counters.skipped > 0 ? ` · ${counters.skipped} skipped` : '';
      write(el.streams, `${counters.streams} · ${counters.ends} ended · ${counters.cuts} cut${skipped}`);
    },
    noteEvent(receivedAt, id) {
      lastEventAt = receivedAt;
      lastEventId = id;
    },
    noteQuote(receivedAt, ts) {
      rate.add(receivedAt);
      latency.add(receivedAt - ts);
    },
  };
}
