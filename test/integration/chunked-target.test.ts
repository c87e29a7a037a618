import { once } from 'node:events';
import { createServer, get, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { chunkedSocketTarget } from '../../emulator/apigw/chunked-target.ts';
import type { DeliveryTarget } from '../../emulator/lambda/runtime.ts';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A server that sends an event-stream head, then `body(res)`; no Date header, so two runs compare. */
async function serve(body: (res: ServerResponse) => void): Promise<number> {
  const server = createServer((_req, res) => {
    res.sendDate = false;
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.flushHeaders();
    body(res);
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** The raw bytes the server puts on the wire for one request, up to its close. */
async function rawResponse(port: number, method = 'GET'): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  socket.write(`${method} /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  await once(socket, 'close');
  return Buffer.concat(chunks).toString('latin1');
}

const WRITES: (string | Uint8Array)[] = [
  'retry: 1000\n\n',
  'id: 1\nevent: quote\ndata: {"symbol":"ÄPFEL","bid":1.5}\n\n', // multi-byte: size in bytes, not characters
  '',
  new TextEncoder().encode('id: 2\nevent: quote\ndata: {"symbol":"€"}\n\n'),
  `: ${'x'.repeat(70_000)}\n\n`, // larger than a socket's high-water mark
];

/** Each chunk in its own tick: node:http gathers the writes of one tick into one chunk, we do not. */
async function writeAll(target: Pick<DeliveryTarget, 'write' | 'end'>): Promise<void> {
  for (const chunk of WRITES) {
    target.write(chunk);
    await new Promise((resolve) => setImmediate(resolve));
  }
  target.end();
}

/** A chunked body decoded by node:http's own client. */
async function body(port: number): Promise<string> {
  const res = await new Promise<IncomingMessage>((resolve) => get(`http://127.0.0.1:${port}/`, resolve));
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('chunkedSocketTarget', () => {
  it('puts exactly the bytes on the wire that res.write() and res.end() put there, one write a tick', async () => {
    const viaResponse = await serve((res) => void writeAll(res));
    const viaTarget = await serve((res) => void writeAll(chunkedSocketTarget(res)));

    const [expected, actual] = await Promise.all([rawResponse(viaResponse), rawResponse(viaTarget)]);

    expect(expected).toContain('Transfer-Encoding: chunked');
    expect(expected).toMatch(/\r\n0\r\n\r\n$/);
    expect(actual).toBe(expected);
  });

  it('delivers the same body when several writes share a tick (one chunk each instead of one in all)', async () => {
    const same = (res: Pick<DeliveryTarget, 'write' | 'end'>): void => {
      for (const chunk of WRITES) res.write(chunk);
      res.end();
    };
    const viaResponse = await serve((res) => same(res));
    const viaTarget = await serve((res) => same(chunkedSocketTarget(res)));

    const [expected, actual] = await Promise.all([body(viaResponse), body(viaTarget)]);

    expect(expected).toContain('data: {"symbol":"€"}');
    expect(actual).toBe(expected);
  });

  it('writes string chunks straight to the socket, not through res.write()', async () => {
    let resWrites = -1;
    const port = await serve((res) => {
      const spy = vi.spyOn(res, 'write');
      const target = chunkedSocketTarget(res);
      target.write('data: a\n\n');
      target.write('data: b\n\n');
      resWrites = spy.mock.calls.length;
      target.end();
    });

    const raw = await rawResponse(port);

    expect(resWrites).toBe(0);
    expect(raw).toMatch(/\r\n\r\n9\r\ndata: a\n\n\r\n9\r\ndata: b\n\n\r\n0\r\n\r\n$/);
  });

  it('never lets a direct write overtake bytes the response holds, however often it held some', async () => {
    const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
    const direct: string[] = [];
    const port = await serve((res) => {
      const viaResponse = vi.spyOn(res, 'write');
      const target = chunkedSocketTarget(res);
      // One write a tick: within the tick of a res.write(), node:http still holds that chunk's bytes.
      const write = async (chunk: string | Uint8Array, label: string): Promise<void> => {
        const before = viaResponse.mock.calls.length;
        target.write(chunk);
        if (viaResponse.mock.calls.length === before) direct.push(label);
        await new Promise((resolve) => setImmediate(resolve));
      };
      void (async () => {
        await write(bytes('a;'), 'a'); // bytes: through res.write()
        res.cork(); // the response now holds what it is given
        await write('b;', 'b');
        await write('c;', 'c');
        res.uncork();
        await write('d;', 'd');
        await write('e;', 'e');
        res.cork();
        await write(bytes('f;'), 'f');
        await write('g;', 'g'); // must not overtake f, still held by the corked response
        res.uncork();
        await write('h;', 'h');
        target.end();
      })();
    });

    const received = await body(port);

    expect(received).toBe('a;b;c;d;e;f;g;h;');
    expect(direct).toEqual(['d', 'e', 'h']);
  });

  it('writes nothing after the response was ended, even by someone else than the target', async () => {
    const errors: unknown[] = [];
    const port = await serve((res) => {
      // The late write goes to res.write(), which reports writing after the end, as node:http does.
      res.on('error', (error: NodeJS.ErrnoException) => errors.push(error.code));
      const target = chunkedSocketTarget(res);
      target.write(new TextEncoder().encode('a;')); // through res.write()
      void new Promise((resolve) => setImmediate(resolve)).then(() => {
        target.write('b;'); // direct: the response holds nothing now
        res.end(); // not target.end(): the target must still see the response is done
        target.write('late;');
      });
    });

    const raw = await rawResponse(port);

    expect(raw).toMatch(/\r\n2\r\na;\r\n2\r\nb;\r\n0\r\n\r\n$/);
    expect(raw).not.toContain('late;');
    expect(errors).toEqual(['ERR_STREAM_WRITE_AFTER_END']);
  });

  it('leaves a HEAD response to node:http, which sends no body', async () => {
    const port = await serve((res) => writeAll(chunkedSocketTarget(res)));

    const raw = await rawResponse(port, 'HEAD');

    expect(raw).not.toContain('retry:');
    expect(raw.endsWith('\r\n\r\n')).toBe(true);
  });

  it("relays the socket's 'drain' after a direct write that filled it, and lets go of it when done", async () => {
    let drains = 0;
    let socketListenersAfter = -1;
    const done = Promise.withResolvers<void>();
    const port = await serve((res) => {
      const socket = res.socket;
      if (socket === null) throw new Error('no socket');
      const before = socket.listenerCount('drain');
      const target = chunkedSocketTarget(res);
      target.on('drain', () => {
        drains += 1;
        target.end();
      });
      let taken = true;
      while (taken) taken = target.write(`: ${'y'.repeat(16_000)}\n\n`);
      res.once('finish', () => {
        socketListenersAfter = socket.listenerCount('drain') - before;
        done.resolve();
      });
    });

    await rawResponse(port);
    await done.promise;

    expect(drains).toBeGreaterThanOrEqual(1);
    expect(socketListenersAfter).toBe(0);
  });
});
