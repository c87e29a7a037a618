/**
 * The Massive adapter (FEED=`massive`, formerly Polygon.io): `wss://socket.massive.com/stocks`.
 *
 * - **Auth in-band.** `{"action":"auth","params":KEY}` goes out on every open; subscribes wait for the
 *   `auth_success` status (`ready`). `auth_failed` refuses the connection (`auth_failed`);
 *   `max_connections` means Massive closed this, the older, connection for a newer one on the same
 *   key (one connection per cluster), so it is refused as `too_many_connections` and the client backs
 *   off instead of evicting the newcomer in turn; `auth_timeout` refuses it too, so the client backs
 *   off rather than redialling into the same timeout. Other statuses (`connected`, `success`) are
 *   acknowledgements and ignored; an `error` status is logged.
 * - **Quotes only** (`Q.<sym>`, NBBO): as for Alpaca (feeds/alpaca.ts), interleaved trade-only updates
 *   would replace pending two-sided quotes in the throttle and the hub's snapshot. A `T` element that
 *   does arrive is decoded as a trade-only quote (`last` = `p`, `lastSize` = `s`).
 * - **Fields.** `bp`/`ap` → `bid`/`ask`, `bs`/`as` → sizes as Massive sends them (its docs say round
 *   lots; since 2025-11-03 the SIPs publish shares: which one a feed emits today is an open question,
 *   shared/research/upstreams.md §11), `t` (SIP time, epoch ms) → `ts`. The sequence `q` is not used.
 * - **Symbols pass through unchanged** (`AAPL`, `BRK.B`). Stocks only: the crypto cluster names its
 *   channels `XQ.`/`XT.` with `pair` fields, which this adapter does not speak.
 * - **Liveness.** No application heartbeat is documented; we ping (the Go client pings every 9 s). No
 *   silence rule: a quiet market is not a dead socket.
 * @see shared/research/upstreams.md §3
 * @see https://massive.com/docs/websocket/stocks/quotes.md
 */
import type { Credentials, DecodedFrame, FeedAdapter, RefusalReason } from './adapter.ts';
import { finiteNumber, isRecord } from './vendor-decode.ts';
import { bookPart, decodeArrayFrame, type Part, tradePart, vendorText } from './vendor-parts.ts';

/** Statuses that refuse the whole connection. Our own text: nothing the vendor echoes reaches a status. */
const REFUSALS: ReadonlyMap<string, { reason: RefusalReason; message: string }> = new Map([
  ['auth_failed', { reason: 'auth_failed', message: 'Massive refused the API key (auth_failed)' }],
  [
    'max_connections',
    {
      reason: 'too_many_connections',
      message: 'Massive closed this connection for a newer one on the same key (max_connections)',
    },
  ],
  ['auth_timeout', { reason: 'refused', message: 'Massive saw no auth within its window (auth_timeout)' }],
]);

function statusPart(element: Record<string, unknown>): Part {
  const status = element.status;
  if (typeof status !== 'string') return 'malformed';
  if (status === 'auth_success') return { type: 'ready' };
  const refusal = REFUSALS.get(status);
  if (refusal !== undefined) return { type: 'refused', ...refusal };
  if (status === 'error') {
    return { type: 'error', code: 'massive_error', message: `Massive: ${vendorText(element.message)}` };
  }
  // `connected`, `success` ("subscribed to: Q.AAPL") and statuses Massive may add later.
  return 'ignored';
}

function decodePart(element: unknown, nowMs: number): Part {
  if (!isRecord(element) || typeof element.ev !== 'string') return 'malformed';
  switch (element.ev) {
    case 'Q':
      return bookPart(element, element.sym, finiteNumber(element.t) ?? Number.NaN, nowMs);
    case 'T':
      return tradePart(element, element.sym, finiteNumber(element.t) ?? Number.NaN, nowMs);
    case 'status':
      return statusPart(element);
    default:
      // Aggregates, LULD, imbalances…: not quotes, and not malformed.
      return 'ignored';
  }
}

// Massive wraps every message in an array, mixing event types.
const decode = (frame: string, nowMs: number = Date.now()): DecodedFrame =>
  decodeArrayFrame(frame, (element) => decodePart(element, nowMs));

const actionFrames = (action: 'subscribe' | 'unsubscribe', symbols: readonly string[]): string[] =>
  // One frame, comma-separated channels: Massive documents no limit on tickers per connection.
  symbols.length === 0 ? [] : [JSON.stringify({ action, params: symbols.map((s) => `Q.${s}`).join(',') })];

/**
 * The Massive adapter, registered under FEED=`massive`.
 * @see shared/research/upstreams.md §3
 */
export const massiveAdapter: FeedAdapter = {
  name: 'massive',
  exampleSymbols: ['AAPL', 'MSFT', 'NVDA'],
  defaultUrl: 'wss://socket.massive.com/stocks',
  credentialNames: ['MASSIVE_API_KEY'],
  openFrames: (credentials: Credentials) => [
    JSON.stringify({ action: 'auth', params: credentials.MASSIVE_API_KEY ?? '' }),
  ],
  awaitsReady: true,
  liveness: { clientPings: true },
  subscribeFrames: (symbols) => actionFrames('subscribe', symbols),
  unsubscribeFrames: (symbols) => actionFrames('unsubscribe', symbols),
  decode,
};
