/**
 * Turn a `Last-Event-ID` header into the id the new stream continues after. Garbage means "start
 * fresh" and never throws: EventSource replays whatever it last saw, and a client must not be
 * locked out because an old id was odd.
 * @see docs/CONTRACT.md §2 (ids strictly increase across reconnects that send Last-Event-ID)
 */

/** Largest id we continue from; beyond it ids would lose integer precision in JSON clients. */
const MAX_ID = Number.MAX_SAFE_INTEGER - 1_000_000_000;

/** The last id already seen by the client (0 when absent or unusable). */
export function parseLastEventId(header: string | undefined): number {
  if (header === undefined) return 0;
  const trimmed = header.trim();
  if (!/^\d{1,16}$/.test(trimmed)) return 0;
  const value = Number(trimmed);
  return value <= MAX_ID ? value : 0;
}
