/**
 * The floor of the peer benchmark: a bare Node fan-out server. One upstream connection; each quote
 * validated and serialised once; per stream only the `id:` line, and one write per stream per
 * upstream frame straight to the socket (no chunked encoding, no stream layer: the body ends at
 * close, as nchan's does). A reader that falls 1 MiB behind loses events (counted), never slows
 * the others. Usage: node bench/peers/floor.ts <upstream ws url>; prints its stream URL.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { openUpstream } from './feed.ts';

interface Stream {
  socket: Socket;
  symbols: Set<string>;
  id: number;
}

const MAX_BEHIND = 1024 * 1024;
const upstreamUrl = process.argv[2] ?? '';
const streams = new Set<Stream>();
let dropped = 0;

const server = createServer();
server.requestTimeout = 0;
server.headersTimeout = 0;
server.on('request', (req: IncomingMessage) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const socket = req.socket;
  const symbols = (url.searchParams.get('symbols') ?? '').split(',').filter((s) => s !== '');
  if (url.pathname !== '/stream' || symbols.length === 0) {
    socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    return;
  }
  const stream: Stream = { socket, symbols: new Set(symbols), id: 0 };
  socket.write(
    'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n: open\n\n',
  );
  streams.add(stream);
  socket.on('close', () => streams.delete(stream));
  socket.on('error', () => streams.delete(stream));
});

openUpstream(upstreamUrl, (quotes) => {
  for (const stream of streams) {
    let out = '';
    for (const q of quotes) {
      if (stream.symbols.has(q.symbol)) out += `id: ${++stream.id}\nevent: quote\ndata: ${q.data}\n\n`;
    }
    if (out === '') continue;
    if (stream.socket.writableLength > MAX_BEHIND) dropped++;
    else stream.socket.write(out);
  }
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}/stream\n`);
});
process.once('SIGTERM', () => {
  process.stderr.write(`floor: ${dropped} writes dropped for slow readers\n`);
  process.exit(0);
});
