/**
 * A TCP relay between the gateway and the scripted upstream that can cut a connection in the middle of
 * a WebSocket frame: the `ws` server API only sends whole frames, so a cut mid-frame needs a hand on
 * the bytes. Armed, it forwards the first half of the next chunk the upstream sends and then destroys
 * both sides, as a network failure would.
 */
import { connect, createServer, type Socket } from 'node:net';

export interface CuttingProxy {
  /** `ws://127.0.0.1:<port>`, relaying to the target. */
  readonly url: string;
  /** Cut the next upstream-to-gateway chunk in half; resolves with how many bytes of it went through. */
  cutNextChunk(): Promise<{ forwarded: number; chunkBytes: number }>;
  close(): Promise<void>;
}

/** Relay 127.0.0.1:0 to the `ws://host:port` of `targetUrl`. */
export async function startCuttingProxy(targetUrl: string): Promise<CuttingProxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  let armed: ((result: { forwarded: number; chunkBytes: number }) => void) | undefined;

  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // Both sides are destroyed on purpose here; their resets are expected.
    socket.on('error', () => undefined);
  };
  const server = createServer((client) => {
    track(client);
    const upstream = connect(Number(target.port), target.hostname);
    track(upstream);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      const cut = armed;
      if (cut === undefined || chunk.length < 2) {
        if (!client.write(chunk)) upstream.pause();
        return;
      }
      armed = undefined;
      const forwarded = Math.floor(chunk.length / 2);
      client.write(chunk.subarray(0, forwarded), () => {
        client.destroy();
        upstream.destroy();
        cut({ forwarded, chunkBytes: chunk.length });
      });
    });
    client.on('drain', () => upstream.resume());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  let closing: Promise<void> | undefined;
  return {
    url: `ws://127.0.0.1:${port}`,
    cutNextChunk: () => new Promise((resolve) => (armed = resolve)),
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        sockets.forEach((socket) => socket.destroy());
        server.close(() => resolve());
      })),
  };
}
