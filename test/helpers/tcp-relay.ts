/**
 * A TCP relay to a local port that can cut a client off (and the tracked listener it and
 * test/helpers/faults-proxy.ts are built on): `cut()` destroys every relayed connection and
 * turns new ones away (accepted, then destroyed) until `restore()`, as an unreachable server looks to
 * one client while others still reach it. `sourcePorts` are the ports the target sees the relayed
 * connections come from (redis-server's `MONITOR` names them), so a test knows who sent what.
 */
import { connect, createServer, type Socket } from 'node:net';

export interface TcpRelay {
  readonly port: number;
  /** The source port, as the target sees it, of every relayed connection so far, in order. */
  readonly sourcePorts: readonly number[];
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/** A loopback listener whose every socket is tracked, so close() (and a cut) can end them all. */
export interface TrackedListener {
  readonly port: number;
  /** Destroy every tracked socket now. */
  destroyAll(): void;
  /** Destroy every tracked socket and stop listening (once; later calls get the same promise). */
  close(): Promise<void>;
}

/**
 * Listen on 127.0.0.1:0 and hand each client to `onClient` with `track`, which registers a socket
 * (the client is tracked already) and swallows its errors: the relays here destroy sockets on
 * purpose, so the resets that follow are expected.
 */
export async function listenTracked(
  onClient: (client: Socket, track: (socket: Socket) => void) => void,
): Promise<TrackedListener> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  };
  const server = createServer((client) => {
    track(client);
    onClient(client, track);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const destroyAll = (): void => sockets.forEach((socket) => socket.destroy());
  let closing: Promise<void> | undefined;
  return {
    port: (server.address() as { port: number }).port,
    destroyAll,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        destroyAll();
        server.close(() => resolve());
      })),
  };
}

/** Relay 127.0.0.1:0 to 127.0.0.1:`targetPort`. */
export async function startTcpRelay(targetPort: number): Promise<TcpRelay> {
  const sourcePorts: number[] = [];
  let isCut = false;
  const listener = await listenTracked((client, track) => {
    if (isCut) return void client.destroy();
    const target = connect(targetPort, '127.0.0.1', () => sourcePorts.push(target.localPort ?? 0));
    track(target);
    client.pipe(target).pipe(client);
    client.on('close', () => target.destroy());
    target.on('close', () => client.destroy());
  });
  return {
    port: listener.port,
    sourcePorts,
    cut() {
      isCut = true;
      listener.destroyAll();
    },
    restore() {
      isCut = false;
    },
    close: listener.close,
  };
}
