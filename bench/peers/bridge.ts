/**
 * The peers' publisher: reads the simulator like the gateway does (one upstream connection, each
 * quote validated and serialised once) and publishes the same bytes to a peer.
 *
 * - `nchan <publish base>`: one HTTP POST per quote (nchan takes one message per request) over
 *   keep-alive, one ordered publisher per symbol (concurrent publishes of one channel reorder).
 * - `pushpin <publish url> <origin port>`: one POST per batch of queued upstream quotes (Pushpin
 *   answers every POST with `Connection: close`, so batching is the cheap way), pre-formatted SSE
 *   frames with a per-symbol `id:`; and the tiny GRIP origin Pushpin asks when a stream opens.
 *
 * Usage: node bench/peers/bridge.ts nchan|pushpin <upstream ws url> <publish url> [origin port].
 * Prints `ready` once the upstream is subscribed (and the origin listens).
 */
import http from 'node:http';
import { channelOf, openUpstream, type SerialisedQuote } from './feed.ts';

const [mode, upstreamUrl = '', publishUrl = '', originPort = '0'] = process.argv.slice(2);
/** Most quotes one symbol's queue may hold before the oldest are dropped (a saturated peer). */
const MAX_QUEUE = 10_000;
let dropped = 0;
const publishErrors = new Map<string, number>();
const publishError = (why: string): void => void publishErrors.set(why, (publishErrors.get(why) ?? 0) + 1);

function nchanPublisher(): (quotes: SerialisedQuote[]) => void {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
  const queues = new Map<string, string[]>();
  const busy = new Set<string>();
  const sendNext = (symbol: string): void => {
    const queue = queues.get(symbol);
    const body = queue?.shift();
    if (body === undefined) {
      busy.delete(symbol);
      return;
    }
    busy.add(symbol);
    const req = http.request(
      `${publishUrl}?channel=${channelOf(symbol)}`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        if (res.statusCode !== 201 && res.statusCode !== 202) publishError(`http_${res.statusCode}`);
        res.resume();
        res.on('end', () => sendNext(symbol));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      publishError(error.code ?? error.message);
      sendNext(symbol);
    });
    req.end(body);
  };
  return (quotes) => {
    for (const q of quotes) {
      let queue = queues.get(q.symbol);
      if (queue === undefined) queues.set(q.symbol, (queue = []));
      queue.push(q.data);
      if (queue.length > MAX_QUEUE) {
        queue.shift();
        dropped++;
      }
      if (!busy.has(q.symbol)) sendNext(q.symbol);
    }
  };
}

function pushpinPublisher(): (quotes: SerialisedQuote[]) => void {
  const seq = new Map<string, number>();
  let pending: object[] = [];
  let inFlight = false;
  const flush = (): void => {
    if (inFlight || pending.length === 0) return;
    const body = JSON.stringify({ items: pending });
    pending = [];
    inFlight = true;
    const req = http.request(
      publishUrl,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        if (res.statusCode !== 200) publishError(`http_${res.statusCode}`);
        res.resume();
        res.on('end', () => {
          inFlight = false;
          flush();
        });
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      publishError(error.code ?? error.message);
      inFlight = false;
      flush();
    });
    req.end(body);
  };
  return (quotes) => {
    for (const q of quotes) {
      const id = (seq.get(q.symbol) ?? 0) + 1;
      seq.set(q.symbol, id);
      pending.push({
        channel: `q.${channelOf(q.symbol)}`,
        formats: { 'http-stream': { content: `id: ${id}\nevent: quote\ndata: ${q.data}\n\n` } },
      });
    }
    if (pending.length > MAX_QUEUE) {
      dropped += pending.length - MAX_QUEUE;
      pending = pending.slice(-MAX_QUEUE);
    }
    flush();
  };
}

/** The GRIP origin: holds every valid `GET /stream?symbols=…` open on the symbols' channels. */
function startOrigin(port: number): Promise<void> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const symbols = (url.searchParams.get('symbols') ?? '').split(',').filter((s) => s !== '');
    if (url.pathname !== '/stream' || symbols.length === 0) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('symbols required\n');
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'grip-hold': 'stream',
      'grip-channel': symbols.map((s) => `q.${channelOf(s)}`).join(', '),
      'grip-keep-alive': ':hb\\n\\n; format=cstring; timeout=15',
    });
    res.end(': open\n\n');
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
}

if (mode !== 'nchan' && mode !== 'pushpin') {
  process.stderr.write(
    'usage: node bench/peers/bridge.ts nchan|pushpin <upstream> <publish url> [origin port]\n',
  );
  process.exit(2);
}
if (mode === 'pushpin') await startOrigin(Number(originPort));
const ws = openUpstream(upstreamUrl, mode === 'nchan' ? nchanPublisher() : pushpinPublisher());
ws.once('open', () => process.stdout.write('ready\n'));
process.once('SIGTERM', () => {
  process.stderr.write(
    `bridge: ${dropped} quotes dropped from full queues, publish errors ${JSON.stringify(Object.fromEntries(publishErrors))}\n`,
  );
  process.exit(0);
});
