/**
 * When a stream ends: a margin before the function's timeout, minus a random jitter of up to one more
 * margin, so streams opened together do not all rotate (and reconnect) in the same second.
 * @see docs/CONTRACT.md §2 Deadline
 * @see docs/decisions/006-deadline-jitter.md
 */

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

/**
 * How long a stream's finish waits for a slow reader to take `end` before cutting it: at most half
 * the margin, so even the latest deadline leaves the function time to return before Lambda cuts it.
 */
export function finishGraceMs(marginMs: number): number {
  return Math.min(1000, Math.floor(marginMs / 2));
}

/**
 * Whether a function timeout is too short for DEADLINE_MARGIN_MS: a stream may close as early as two
 * margins before the timeout and then needs its finish grace, so with no more time than that, every
 * stream would end as soon as it starts. The one rule for both places that check it: `npm start`
 * refuses to start, the Lambda handler logs a warning (it cannot refuse a deployed timeout).
 */
export function isTimeoutTooShort(timeoutMs: number, marginMs: number): boolean {
  return timeoutMs <= minTimeoutMs(marginMs);
}

/** The function timeout at or below which {@link isTimeoutTooShort} holds. */
export function minTimeoutMs(marginMs: number): number {
  return 2 * marginMs + finishGraceMs(marginMs);
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
