/**
 * The client response as the response stream's delivery target (runtime.ts `deliverTo`), with the
 * body written the short way. node:http's `res.write()` turns one chunk into four socket writes (the
 * size line, CRLF, the bytes, CRLF), each through the socket's Writable machinery, plus a cork and a
 * nextTick per response per tick; at 250 streams that path cost about as much CPU as the rest of the
 * gateway. Here one chunk is one `socket.write()` of the same bytes: `<size in hex>\r\n<bytes>\r\n`,
 * exactly what node:http writes for a chunked response, so the wire does not change.
 *
 * The short way is taken only while it is exactly equivalent: the response is chunked, its headers
 * are out, it owns its socket, nothing of it waits in node:http's own buffers, and the chunk is a
 * non-empty UTF-8 string (an empty chunk would end a chunked body). Anything else goes through
 * `res.write()`, which stays correct, only slower. `end()` is always `res.end()`, which writes the
 * last chunk (`0\r\n\r\n`) and finishes the response as before.
 * @see https://www.rfc-editor.org/rfc/rfc9112#section-7.1 (chunked transfer coding)
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { DeliveryTarget } from '../lambda/runtime.ts';

type WriteCallback = (error?: Error | null) => void;

/** A {@link DeliveryTarget} over `res` that writes string chunks straight to its socket. */
export function chunkedSocketTarget(res: ServerResponse): DeliveryTarget {
  const socket = res.socket;
  // Fixed once the relay has sent the head: whether this body may go to the socket at all (node:http
  // writes no body for HEAD). Decided once, so a write touches the socket and not the response.
  const isEligible = socket !== null && res.req.method !== 'HEAD' && res.chunkedEncoding && res.headersSent;
  let isEnded = false;
  /** Set once a chunk went through res.write(): from then on its own buffers are checked each time. */
  let hasUsedResponse = false;

  /** Whether a direct write now puts the same bytes on the socket, in the same order, as res.write(). */
  const isDirect = (): boolean => {
    if (!isEligible || isEnded || socket.destroyed) return false;
    if (!hasUsedResponse) return true;
    // Bytes still held by the response (not yet handed to the socket) must leave first.
    return res.socket === socket && res.writableCorked === 0 && res.writableLength === socket.writableLength;
  };

  return {
    write(chunk: string | Uint8Array, encoding?: BufferEncoding, callback?: WriteCallback): boolean {
      if (typeof chunk !== 'string' || chunk.length === 0 || (encoding ?? 'utf8') !== 'utf8' || !isDirect()) {
        hasUsedResponse = true;
        return res.write(chunk, encoding as BufferEncoding, callback);
      }
      const size = Buffer.byteLength(chunk, 'utf8');
      return (socket as Socket).write(`${size.toString(16)}\r\n${chunk}\r\n`, 'utf8', callback);
    },
    end(callback) {
      isEnded = true;
      return res.end(callback);
    },
    destroy(error) {
      return res.destroy(error);
    },
    on(event, listener) {
      // A direct write that filled the socket is answered by the socket's 'drain', not the
      // response's (node:http only relays it after a res.write() that returned false): listen to
      // both, and let go of the socket once the response is done with it (keep-alive reuses it).
      res.on(event, listener);
      if (socket === null) return res;
      socket.on(event, listener);
      const release = (): void => {
        socket.off(event, listener);
      };
      res.once('finish', release);
      res.once('close', release);
      return res;
    },
    get writableFinished() {
      return res.writableFinished;
    },
    get destroyed() {
      return res.destroyed;
    },
  };
}
