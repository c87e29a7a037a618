/**
 * A TCP relay to a local port that can cut a client off: `cut()` destroys every relayed connection and
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

/** Relay 127.0.0.1:0 to 127.0.0.1:`targetPort`. */
export async function startTcpRelay(targetPort: number): Promise<TcpRelay> {
  const sockets = new Set<Socket>();
  const sourcePorts: number[] = [];
  let isCut = false;
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // Cut on purpose: the resets that follow are expected.
    socket.on('error', () => undefined);
  };
  const server = createServer((client) => {
    track(client);
    if (isCut) return void client.destroy();
    const target = connect(targetPort, '127.0.0.1', () => sourcePorts.push(target.localPort ?? 0));
    track(target);
    client.pipe(target).pipe(client);
    client.on('close', () => target.destroy());
    target.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    sourcePorts,
    cut() {
      isCut = true;
      sockets.forEach((socket) => socket.destroy());
    },
    restore() {
      isCut = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((socket) => socket.destroy());
        server.close(() => resolve());
      }),
  };
}
