/**
 * When a stream ends: a margin before the function's timeout, minus a random jitter of up to one more
 * margin, so streams opened together do not all rotate (and reconnect) in the same second.
 * @see docs/CONTRACT.md §2 Deadline
 * @see docs/decisions/006-deadline-jitter.md
 */

/** Inputs of {@link computeDeadline}. */
export interface DeadlineInput {
  /** Epoch ms now. */
  now: number;
  /** The runtime's remaining time (`context.getRemainingTimeInMillis()`). */
  remainingMs: number;
  /** DEADLINE_MARGIN_MS. */
  marginMs: number;
  /** Injected randomness in [0, 1). */
  random: () => number;
}

/**
 * The instant (epoch ms) the stream should end: within
 * `[timeoutAt − 2 × margin, timeoutAt − margin]`, never before `now` (clamped, as middy does).
 */
export function computeDeadline({ now, remainingMs, marginMs, random }: DeadlineInput): number {
  const drawn = random();
  // NaN would survive Math.min/Math.max and make closesAt NaN, which a timer treats as 0: end at once.
  const r = Number.isNaN(drawn) ? 0 : Math.min(Math.max(drawn, 0), 1);
  const jitterMs = Math.floor(r * marginMs);
  const closesAt = now + remainingMs - marginMs - jitterMs;
  return Math.max(now, closesAt);
}

/** A one-shot timer at `closesAt`. */
export interface DeadlineTimer {
  /** Cancel the timer (on any other finish); safe to call more than once. */
  cancel(): void;
}

/** Call `onDeadline` once at `closesAt` (at once if it has passed). */
export function startDeadlineTimer(closesAt: number, onDeadline: () => void): DeadlineTimer {
  let timer: ReturnType<typeof setTimeout> | undefined = setTimeout(
    () => {
      timer = undefined;
      onDeadline();
    },
    Math.max(0, closesAt - Date.now()),
  );
  return {
    cancel() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
