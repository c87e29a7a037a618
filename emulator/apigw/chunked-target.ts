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
  return new ChunkedSocketTarget(res);
}

/**
 * One object with its state in fields: every write of every stream goes through it, and what it
 * reads per write (these fields and the socket's write state) is all a direct write needs.
 */
class ChunkedSocketTarget implements DeliveryTarget {
  readonly #res: ServerResponse;
  /** The response's socket while the short way may be taken at all, else null. */
  readonly #socket: Socket | null;
  /**
   * Set when a chunk went through res.write(), cleared by the next direct write that finds the
   * response holding nothing: its buffers only fill through res.write(), so until the next one a
   * direct write need not look at the response again. (The hand-over writes a stream's first bytes
   * through res.write(); without this, every later write read the response's state.)
   */
  #mayHoldBytes = false;

  constructor(res: ServerResponse) {
    this.#res = res;
    // Fixed once the relay has sent the head: whether this body may go to the socket at all (node:http
    // writes no body for HEAD). Decided once, so a write touches the socket and not the response.
    const isEligible = res.req.method !== 'HEAD' && res.chunkedEncoding && res.headersSent;
    this.#socket = isEligible ? res.socket : null;
  }

  /** Whether a direct write now puts the same bytes on the socket, in the same order, as res.write(). */
  #isDirect(socket: Socket): boolean {
    const res = this.#res;
    // `writable`: the socket not destroyed, ended or errored. `writableEnded`: the response not ended
    // by anyone (its last chunk may be out; on keep-alive a later write would land in the next one).
    if (!socket.writable || res.writableEnded) return false;
    if (!this.#mayHoldBytes) return true;
    // Bytes still held by the response (not yet handed to the socket) must leave first.
    this.#mayHoldBytes = !(
      res.socket === socket &&
      res.writableCorked === 0 &&
      res.writableLength === socket.writableLength
    );
    return !this.#mayHoldBytes;
  }

  write(chunk: string | Uint8Array, encoding?: BufferEncoding, callback?: WriteCallback): boolean {
    const socket = this.#socket;
    if (
      socket === null ||
      typeof chunk !== 'string' ||
      chunk.length === 0 ||
      (encoding ?? 'utf8') !== 'utf8' ||
      !this.#isDirect(socket)
    ) {
      this.#mayHoldBytes = true;
      return this.#res.write(chunk, encoding as BufferEncoding, callback);
    }
    const size = Buffer.byteLength(chunk, 'utf8');
    return socket.write(`${size.toString(16)}\r\n${chunk}\r\n`, 'utf8', callback);
  }

  end(callback?: () => void): unknown {
    // node:http writes the last chunk; from here on res.writableEnded keeps writes off the short way.
    return this.#res.end(callback);
  }

  destroy(error?: Error): unknown {
    return this.#res.destroy(error);
  }

  on(event: 'drain', listener: () => void): unknown {
    const res = this.#res;
    // A direct write that filled the socket is answered by the socket's 'drain', not the
    // response's (node:http only relays it after a res.write() that returned false): listen to
    // both, and let go of the socket once the response is done with it (keep-alive reuses it).
    res.on(event, listener);
    const socket = res.socket;
    if (socket === null) return res;
    socket.on(event, listener);
    const release = (): void => {
      socket.off(event, listener);
    };
    res.once('finish', release);
    res.once('close', release);
    return res;
  }

  get writableFinished(): boolean {
    return this.#res.writableFinished;
  }

  get destroyed(): boolean {
    return this.#res.destroyed;
  }
}
