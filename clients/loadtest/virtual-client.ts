/**
 * One simulated client of the load tester over node:http: open a stream, read it to `end` or a
 * cut, reconnect like EventSource (`retry:`, Last-Event-ID), back off on failures, stop on abort.
 *
 * node:http rather than fetch: thousands of streams through one Agent with `keepAlive: false`
 * and `maxSockets: Infinity` give one socket per stream and no pool queueing, and 'data' events
 * hand us Buffers without a WHATWG stream layer in between.
 */
import http from 'node:http';
import https from 'node:https';
import { idleLimitMs, streamRequestHeaders } from '../sse/contract.ts';
import type { LoadStats } from './stats.ts';
import { newSlot, StreamTracker, type EpochClock, type SlotState } from './tracker.ts';
import { isFatalStatus, ReconnectPolicy, sleep } from '../sse/reconnect.ts';

/** Bytes of a refused response's body kept for the report. */
const MAX_REFUSAL_BODY = 4096;

/** Shared by all slots of one run. */
export interface LoadContext {
  url: URL;
  stats: LoadStats;
  clock: EpochClock;
  /** Aborts every slot at the end of `--duration`. */
  signal: AbortSignal;
  agent: http.Agent;
}

/** An Agent that opens one socket per stream, with no pool limit and no reuse. */
export function createAgent(url: URL): http.Agent {
  const options = { keepAlive: false, maxSockets: Infinity };
  return url.protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
}

type Outcome = 'clean' | 'cut' | 'failed' | 'fatal' | 'stopped';

function errorCode(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return e.code ?? e.message ?? 'unknown';
}

/** One request: resolves how it ended. Never rejects. */
function openOnce(ctx: LoadContext, slot: SlotState, first: { opened: boolean }): Promise<Outcome> {
  const { stats, signal } = ctx;
  const headers = streamRequestHeaders(slot.lastEventId);
  const startedAt = performance.now();
  const send = ctx.url.protocol === 'https:' ? https.request : http.request;
  stats.requests++;
  return new Promise((resolve) => {
    let settled = false;
    let streaming = false;
    const settle = (outcome: Outcome, reason: string): void => {
      if (settled) return;
      settled = true;
      if (streaming) stats.openNow--;
      if (outcome === 'stopped' && streaming) stats.heldAtStop++;
      else if (outcome === 'clean') stats.clean++;
      else if (outcome === 'cut') stats.streamCut(reason);
      else if (outcome === 'failed' || outcome === 'fatal') stats.fail(reason);
      resolve(outcome);
    };
    // `timeout` is socket inactivity: before `ready` the contract promises bytes at once; after
    // it, heartbeats come every heartbeatMs. Silence beyond that is a dead stream.
    const req = send(ctx.url, { agent: ctx.agent, headers, signal, timeout: idleLimitMs(undefined) });
    req.on('timeout', () =>
      req.destroy(Object.assign(new Error('no bytes within the idle limit'), { code: 'idle_timeout' })),
    );
    req.on('error', (err) =>
      settle(signal.aborted ? 'stopped' : streaming ? 'cut' : 'failed', errorCode(err)),
    );
    req.on('response', (res) => {
      const type = res.headers['content-type'] ?? '';
      if (res.statusCode !== 200 || !type.startsWith('text/event-stream')) {
        const reason = res.statusCode === 200 ? 'not_event_stream' : `http_${res.statusCode}`;
        const parts: Buffer[] = [];
        let size = 0;
        res.on('data', (b: Buffer) => {
          parts.push(b);
          size += b.length;
          if (size >= MAX_REFUSAL_BODY) res.destroy(); // enough to show; do not read a huge page
        });
        res.on('error', () => undefined); // the 'close' below settles; the status is the finding
        res.on('close', () => {
          const body = Buffer.concat(parts).toString('utf8').slice(0, MAX_REFUSAL_BODY);
          stats.firstRefusal ??= `HTTP ${res.statusCode}: ${body}`;
          settle(isFatalStatus(res.statusCode ?? 0) ? 'fatal' : 'failed', reason);
        });
        return;
      }
      streaming = true;
      stats.requestsOk++;
      stats.openNow++;
      if (!first.opened) {
        first.opened = true;
        stats.slotsOpened++;
      }
      const tracker = new StreamTracker(stats, slot, startedAt);
      let ready = false;
      res.on('data', (chunk: Buffer) => {
        tracker.feed(chunk, performance.now(), ctx.clock.now());
        if (!ready && tracker.ready !== undefined) {
          ready = true;
          req.setTimeout(idleLimitMs(tracker.ready));
        }
        if (tracker.ended) {
          settle('clean', 'end');
          res.destroy(); // [contract] nothing follows `end`; do not wait for the server's FIN
        } else if (tracker.failure !== undefined) {
          settle('cut', tracker.failure);
          res.destroy();
        }
      });
      res.on('error', (err) => settle(signal.aborted ? 'stopped' : 'cut', errorCode(err)));
      res.on('close', () => {
        if (signal.aborted) settle('stopped', 'stopped');
        else settle(tracker.ended ? 'clean' : 'cut', res.complete ? 'eof_without_end' : 'connection_lost');
      });
    });
    req.end();
  });
}

/**
 * Run one client until `ctx.signal` aborts or the server refuses it for good (4xx), starting
 * after `delayMs` (the ramp).
 */
export async function runSlot(ctx: LoadContext, delayMs: number): Promise<void> {
  if (!(await sleep(delayMs, ctx.signal))) return;
  ctx.stats.slotsStarted++;
  const slot = newSlot();
  const policy = new ReconnectPolicy();
  const first = { opened: false };
  for (let attempt = 0; !ctx.signal.aborted; attempt++) {
    if (attempt > 0) ctx.stats.reconnects++;
    const outcome = await openOnce(ctx, slot, first);
    if (outcome === 'stopped' || outcome === 'fatal') return;
    policy.retryMs = slot.retryMs ?? policy.retryMs;
    const delay = outcome === 'clean' ? policy.afterClean() : policy.afterFailure();
    if (!(await sleep(delay, ctx.signal))) return;
  }
}
