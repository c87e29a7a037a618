/**
 * A TCP relay between the gateway and the scripted upstream that can cut a connection in the middle of
 * a WebSocket frame: the `ws` server API only sends whole frames, so a cut mid-frame needs a hand on
 * the bytes. Armed, it forwards the first half of the next chunk the upstream sends and then destroys
 * both sides, as a network failure would.
 */
import { connect } from 'node:net';
import { listenTracked } from './tcp-relay.ts';

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
  let armed: ((result: { forwarded: number; chunkBytes: number }) => void) | undefined;
  const listener = await listenTracked((client, track) => {
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
  return {
    url: `ws://127.0.0.1:${listener.port}`,
    cutNextChunk: () => new Promise((resolve) => (armed = resolve)),
    close: listener.close,
  };
}
