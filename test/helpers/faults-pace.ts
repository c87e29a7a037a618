/**
 * Send numbered quotes through the scripted upstream at a target rate for a while, in frames small
 * enough for the gateway's 64 KiB frame cap. The pace is kept against the wall clock (quotes due =
 * elapsed × rate), so a slow turn of the event loop is caught up in the next one; the rate actually
 * reached is reported, because a loaded 2-core machine may not reach the target.
 */
import type { QuoteLedger } from './faults-ledger.ts';
import type { ScriptedUpstream } from './upstream.ts';

export interface PaceResult {
  quotes: number;
  bytes: number;
  elapsedMs: number;
  /** Quotes per second reached. */
  rate: number;
}

/** Quotes per frame: about 110 bytes each, so a frame stays near 22 KB, well under 64 KiB. */
const QUOTES_PER_FRAME = 200;

/** Send at `ratePerS` for `durationMs`, then wait until the upstream has handed everything to the kernel. */
export function sendAtRate(
  upstream: ScriptedUpstream,
  ledger: QuoteLedger,
  ratePerS: number,
  durationMs: number,
): Promise<PaceResult> {
  const startedAt = Date.now();
  let quotes = 0;
  let bytes = 0;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      const elapsed = Date.now() - startedAt;
      const due = Math.floor((Math.min(elapsed, durationMs) * ratePerS) / 1000) - quotes;
      for (let left = due; left > 0; left -= QUOTES_PER_FRAME) {
        const count = Math.min(left, QUOTES_PER_FRAME);
        bytes += ledger.sendNumbered(upstream, count);
        quotes += count;
      }
      if (elapsed < durationMs) {
        // setImmediate, not a timer: the sender yields to I/O between batches and comes straight back.
        setImmediate(tick);
        return;
      }
      const elapsedMs = Date.now() - startedAt;
      upstream
        .flush(60_000)
        .then(() => resolve({ quotes, bytes, elapsedMs, rate: (quotes * 1000) / elapsedMs }), reject);
    };
    tick();
  });
}
