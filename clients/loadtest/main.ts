/**
 * `npm run loadtest -- --url URL --connections N --duration S --symbols A,B`: open N streams,
 * hold them S seconds (reconnecting on `end` like a real client), stop by itself and print what
 * it measured. Bounded in connections and time, loopback unless `--allow-remote`.
 */
import { parseArgs } from 'node:util';
import {
  buildStreamUrl,
  chooseToken,
  DEFAULT_STREAM_URL,
  isLoopbackUrl,
  TOKEN_ENV,
} from '../sse/stream-url.ts';

/** Upper bounds, so a typo cannot open a million sockets or run for a week. */
const MAX_CONNECTIONS = 5000;
const MAX_DURATION_S = 3600;

const HELP = `Usage: npm run loadtest -- [options]
       node clients/loadtest/main.ts --url http://127.0.0.1:3000/stream --connections 100 --duration 30 --symbols AAPL,MSFT

Opens N SSE streams (optionally ramped), holds them for the duration, reconnects on 'end' with
Last-Event-ID after the server's retry: (and with backoff after cut streams or failed requests),
then stops by itself and prints a summary table on stdout. Progress goes to stderr every second.

Options:
  --url URL           stream endpoint (default ${DEFAULT_STREAM_URL})
  --connections N     streams to hold, 1..${MAX_CONNECTIONS} (default 10)
  --duration S        seconds to run, > 0 and <= ${MAX_DURATION_S} (default 10)
  --ramp S            open the streams evenly over S seconds, <= duration (default 0: all at once)
  --symbols A,B       symbols per stream (default AAPL,MSFT; replaces symbols= in --url)
  --symbol-groups N   split --symbols into groups of N: stream i subscribes to group i mod
                      (number of groups), so streams spread over a larger universe (default: off)
  --warmup S          count events, bytes, ids, latency and CPU only after S seconds (< duration);
                      the JSON then carries the window's start and end (epoch ms)
  --any-ids           do not check that ids rise by one (servers that are not Quote Stream:
                      nchan's time:tag ids, per-channel ids); quotes are still counted
  --token T           access token, sent as the token= query parameter of every stream;
                      without it, the ${TOKEN_ENV} environment variable (which keeps it
                      out of shell history). Never printed nor written to --json: the URL
                      in the summary shows every query value as ***
  --json FILE         also write the summary as JSON to FILE
  --allow-remote      allow a host other than localhost / 127.0.0.0/8 / ::1
  --quiet             no progress lines
  --self-test         measure and print how many events/s one core of this client parses,
                      through the same code path as live streams, for --duration seconds per
                      chunking (default 2). A load run whose event rate comes near that
                      figure measures the client, not the server.
  -h, --help          show this help

Summary: streams opened/failed, requests by failure, reconnects, clean ends vs cut streams,
events/s, bytes/s, heartbeats, id gaps (ids must rise by one, also across reconnects),
end mismatches (end.quotes/lastEventId disagreeing with what arrived), time to first byte,
time to first quote and quote latency (receive time - ts: needs client and feed on one clock)
as p50/p90/p99/max from HDR histograms, and this process's CPU use and event-loop delay.
Server-sent text in it (end reasons, the first refusal) is printed with control characters
escaped, and each counter keeps at most 32 distinct keys (the rest count as "other").
Exit status: 0 after a run in which a stream opened; 1 if none did; 2 bad arguments.`;

function fail(message: string): number {
  process.stderr.write(`load: ${message}\nTry --help.\n`);
  return 2;
}

function numberArg(name: string, raw: string, min: number, max: number, integer: boolean): number | string {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    return `--${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got ${JSON.stringify(raw)}`;
  }
  return n;
}

/** `url` once per group of `size` of its symbols (the last group may be shorter). */
function groupUrls(url: URL, size: number): URL[] {
  const all = (url.searchParams.get('symbols') ?? '').split(',').filter((s) => s !== '');
  const urls: URL[] = [];
  for (let i = 0; i < all.length; i += size) {
    // The one spelling of a stream URL (commas kept readable); `url` already passed its checks.
    const one = buildStreamUrl(url.href, [all.slice(i, i + size).join(',')]);
    if (one.ok) urls.push(one.url);
  }
  return urls.length > 0 ? urls : [url];
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        url: { type: 'string', default: DEFAULT_STREAM_URL },
        connections: { type: 'string', default: '10' },
        duration: { type: 'string' },
        ramp: { type: 'string', default: '0' },
        symbols: { type: 'string' },
        'symbol-groups': { type: 'string', default: '0' },
        warmup: { type: 'string', default: '0' },
        'any-ids': { type: 'boolean', default: false },
        token: { type: 'string' },
        json: { type: 'string' },
        'allow-remote': { type: 'boolean', default: false },
        quiet: { type: 'boolean', default: false },
        'self-test': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    return fail((err as Error).message);
  }
  const values = parsed.values;
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const duration = numberArg(
    'duration',
    values.duration ?? (values['self-test'] ? '2' : '10'),
    0.1,
    MAX_DURATION_S,
    false,
  );
  if (typeof duration === 'string') return fail(duration);
  // The run's modules load only after the arguments passed, so mistakes are answered at once.
  if (values['self-test']) return (await import('./self-test.ts')).runSelfTest(duration, values.json);
  const connections = numberArg('connections', values.connections, 1, MAX_CONNECTIONS, true);
  if (typeof connections === 'string') return fail(connections);
  const ramp = numberArg('ramp', values.ramp, 0, duration, false);
  if (typeof ramp === 'string') return fail(ramp);
  const warmup = numberArg('warmup', values.warmup, 0, duration, false);
  if (typeof warmup === 'string') return fail(warmup);
  if (warmup > 0 && warmup >= duration) return fail('--warmup must be shorter than --duration');
  const groupSize = numberArg('symbol-groups', values['symbol-groups'], 0, 500, true);
  if (typeof groupSize === 'string') return fail(groupSize);
  const token = chooseToken(values.token, process.env);
  if (!token.ok) return fail(token.message);
  // URL.parse, not `new URL`: a malformed --url must reach buildStreamUrl's message (exit 2), not
  // throw here. Without --symbols, symbols= in --url wins over the default list.
  const hasSymbols =
    values.symbols !== undefined || URL.parse(values.url)?.searchParams.has('symbols') === true;
  const symbols = hasSymbols ? [values.symbols ?? ''] : ['AAPL,MSFT'];
  const built = buildStreamUrl(values.url, symbols, token.token);
  if (!built.ok) return fail(built.message);
  const url = built.url;
  const urls = groupSize > 0 ? groupUrls(url, groupSize) : [url];
  if (!isLoopbackUrl(url) && !values['allow-remote']) {
    return fail(
      `refusing to load-test ${url.host}: it is not loopback. Pass --allow-remote if you own that server and mean it.`,
    );
  }
  const { run } = await import('./run.ts');
  return run({
    url,
    urls,
    connections,
    duration,
    ramp,
    warmup,
    checkIds: !values['any-ids'],
    quiet: values.quiet,
    jsonFile: values.json,
  });
}

process.exitCode = await main(process.argv.slice(2));
