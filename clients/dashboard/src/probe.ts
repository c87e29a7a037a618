/**
 * Reads why the gateway refused a stream. `EventSource` hides the status and body of a non-200
 * answer, so the dashboard asks `fetch` for the same URL, reads a 400's JSON body, and aborts at
 * once otherwise (a 200 here would be a second live stream).
 * @see docs/CONTRACT.md §2 Request (the 400 bodies)
 */
import type { Rejection } from './events.ts';
import { parseRejection } from './events.ts';

/** A 400 with its reason, or any other answer (a status or a network error) in words. */
export type ProbeResult = { kind: 'rejected'; rejection: Rejection } | { kind: 'answered'; detail: string };

/** Fetches `url` once; `signal` lets the caller drop a probe that no longer matters. */
export async function probeStream(
  url: string,
  fetchImpl: typeof fetch,
  signal: AbortSignal,
): Promise<ProbeResult> {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  signal.addEventListener('abort', abort, { once: true });
  try {
    const response = await fetchImpl(url, { signal: controller.signal, cache: 'no-store' });
    if (response.status !== 400) return { kind: 'answered', detail: `HTTP ${response.status}` };
    const body = await response.text();
    return {
      kind: 'rejected',
      rejection: parseRejection(body) ?? { message: `HTTP 400 ${body.slice(0, 200)}`, invalid: [] },
    };
  } catch (error) {
    return { kind: 'answered', detail: error instanceof Error ? error.message : String(error) };
  } finally {
    controller.abort();
    signal.removeEventListener('abort', abort);
  }
}
