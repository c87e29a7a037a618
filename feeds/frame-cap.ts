/**
 * How large a frame an upstream connection accepts, and how many symbols a subscribe sent on an open
 * connection may hold: one policy, so the snapshot an upstream may answer a subscribe with always
 * fits the frame cap of the socket it arrives on.
 * @see docs/decisions/003-upstream-reconnect.md
 */

/** The frame cap every connection gets at least: ws defaults to 100 MiB, which bounds nothing. */
const MIN_MAX_PAYLOAD_BYTES = 64 * 1024;

/**
 * Bytes of frame budget per subscribed symbol. An upstream may answer a subscribe with one frame
 * holding the latest quote of every symbol (CONTRACT §1; the simulator does), so the cap must grow
 * with the subscription. The largest native quote without unknown fields: `{"type":"quote",` (16) +
 * `"symbol":"` + 20 characters + `",` (32) + `"bid":`, `"ask":`, `"bidSize":`, `"askSize":`,
 * `"last":`, `"ts":` with a number of up to 24 characters each (31 + 31 + 35 + 35 + 32 + 30) = 242 B,
 * plus a comma in the array: 243 B, rounded up to 256 B.
 */
const MAX_PAYLOAD_BYTES_PER_SYMBOL = 256;

/**
 * Most symbols in one subscribe frame sent on an open connection: the snapshot an upstream may answer
 * with then fits the smallest frame cap (64 KiB / 256 B). The subscribe sent on 'open' holds the whole
 * set, since that socket's cap was sized for it.
 */
export const MAX_SYMBOLS_PER_LATE_SUBSCRIBE = MIN_MAX_PAYLOAD_BYTES / MAX_PAYLOAD_BYTES_PER_SYMBOL;

/**
 * The default frame cap for a connection subscribing `symbolCount` symbols: the larger of 64 KiB and
 * 256 B per symbol. For MAX_SYMBOLS' ceiling of 500: 128,000 B, where the snapshot of 500 symbols of
 * 20 characters with realistic prices measures about 66.6 kB, which a fixed 64 KiB cap refused.
 */
export function upstreamMaxPayloadBytes(symbolCount: number): number {
  return Math.max(MIN_MAX_PAYLOAD_BYTES, MAX_PAYLOAD_BYTES_PER_SYMBOL * symbolCount);
}
