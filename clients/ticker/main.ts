/**
 * `npm run ticker -- AAPL MSFT [--url URL] [--token T] [--once] [--json]`: follow the quote stream.
 *
 * On a terminal it repaints a table in place; piped, it prints one line per quote. It reconnects
 * like EventSource (Last-Event-ID, `retry:`), backs off while the server keeps failing and says on
 * stderr when a stream was cut (ended without `end`). Knows only docs/CONTRACT.md.
 * Everything the server chose is printed through clients/sse/printable.ts, and the token never is.
 */
import { parseArgs } from 'node:util';
import { createLogUpdate } from 'log-update';
import type { ContractEvent, QuoteData } from '../sse/contract.ts';
import { followStream, type FollowHooks, type FollowResult } from '../sse/follow.ts';
import { printable, printableJson } from '../sse/printable.ts';
import { hideSecret } from '../sse/redact.ts';
import {
  buildStreamUrl,
  chooseToken,
  DEFAULT_STREAM_URL,
  TOKEN_ENV,
  TOKEN_PARAM,
} from '../sse/stream-url.ts';
import {
  applyQuote,
  applyRejected,
  formatQuoteLine,
  formatStatusDetail,
  initialState,
  painter,
  renderTable,
  type TickerState,
} from './view.ts';

const HELP = `Usage: npm run ticker -- SYMBOL... [options]
       node clients/ticker/main.ts AAPL MSFT --url http://localhost:3000/stream

Follows GET /stream?symbols=... and shows every quote.

  On a terminal   an in-place table (bid, ask, last, change since start, sizes, time) with
                  up/down arrows, and a status line: connection, upstream feed status (with the
                  upstream's reason, e.g. unavailable (auth_failed)), countdown to the stream's
                  planned rotation (closesAt), quotes, reconnects, last id. A symbol the
                  upstream rejected stays in the table as "rejected: CODE".
  Piped           one line per quote on stdout: SYMBOL [bid=.. ask=..] [last=..] [lastSize=..]
                  [bidSize=..] [askSize=..] ts=.. id=.. (trade-only feeds send no bid/ask);
                  notices, rejected symbols included, go to stderr.

Options:
  --url URL     stream endpoint (default ${DEFAULT_STREAM_URL}); symbols given as
                arguments replace its symbols= parameter, commas allowed (AAPL,MSFT)
  --token T     access token, sent as the token= query parameter; without it, the
                ${TOKEN_ENV} environment variable (which keeps it out of shell history).
                Never printed: URLs in messages show every query value as ***
  --once        stop after the first stream instead of reconnecting
  --json        print each quote's data as one JSON line (as received, unless it holds
                control characters: then re-serialised with them escaped), also on a terminal
  --verbose     also report ready, end and reconnect waits on stderr
  -h, --help    show this help

Reconnecting: after 'end' it waits the server's retry: hint (taken within 100 ms..600 s) and
reconnects with Last-Event-ID, so ids continue. After a cut stream (no 'end', reported on
stderr) or the n-th failed request in a row it backs off: a random wait between base and
base x 2^n, capped at 30 s, where base is the larger of retry and 1 s. A 4xx other than
408/429 is final.
A stream silent for 2 x heartbeatMs + 5 s counts as cut.

Quotes for symbols not asked for are counted and ignored. Server-sent text is printed with
control characters escaped (ESC as \\u001b), so it cannot drive the terminal.

Exit status: 0 clean end (--once); 1 stream cut or server unreachable (--once); 2 bad
arguments; 3 request rejected (400: the server's message is printed; 401: a token is
required; 403: the token was refused, or does not allow the symbols listed); 130 Ctrl-C
(exits at once and restores the terminal); 143 SIGTERM. Colours follow NO_COLOR / FORCE_COLOR.`;

/** The two faces of the ticker: a repainted table (TTY) or a line per quote (pipe). */
interface Output {
  quote(id: string, q: QuoteData, raw: string): void;
  changed(): void;
  report(line: string): void;
  stop(): void;
}

function lineOutput(json: boolean): Output {
  // Pipes are synchronous on Linux (Node docs, "A note on process I/O"), so a slow reader slows
  // us down rather than growing a buffer.
  return {
    quote: (id, q, raw) => process.stdout.write(`${json ? printableJson(raw, q) : formatQuoteLine(id, q)}\n`),
    changed: () => undefined,
    report: (line) => process.stderr.write(`${line}\n`),
    stop: () => undefined,
  };
}

function tableOutput(state: TickerState): Output {
  const log = createLogUpdate(process.stdout);
  const paint = painter(process.stdout.hasColors());
  const render = (): void => log(renderTable(state, Date.now(), paint));
  let pending: NodeJS.Timeout | undefined;
  // Quotes arrive in bursts; repaint at most every 50 ms, and every second for the countdown.
  const tick = setInterval(render, 1000);
  return {
    quote: () => undefined,
    changed() {
      pending ??= setTimeout(() => {
        pending = undefined;
        render();
      }, 50);
    },
    report(line) {
      log.clear(); // notices scroll above the table instead of tearing it
      process.stderr.write(`${line}\n`);
      render();
    },
    stop() {
      clearInterval(tick);
      clearTimeout(pending);
      render();
      log.done();
      process.stdout.write('\x1b[?25h'); // log-update hides the cursor; give it back
    },
  };
}

/** A hint after the refusals the user can fix with a flag. */
function refusalHint(status: number): string {
  if (status === 401) return ` (pass --token or set ${TOKEN_ENV})`;
  return '';
}

function hooks(state: TickerState, out: Output, verbose: boolean, token: string | undefined): FollowHooks {
  // The one way out to stderr: escaped (server-chosen text may hold terminal controls) and with
  // the token masked wherever a server echoed it.
  // Mask before escaping and cutting: a cut inside an echoed token would leave a prefix no mask finds.
  const say = (line: string): void => out.report(`ticker: ${printable(hideSecret(line, token), 2000)}`);
  return {
    onConnecting(attempt) {
      state.connection = attempt === 1 ? 'connecting' : 'reconnecting';
      out.changed();
    },
    onOpen() {
      if (state.connection === 'reconnecting') state.reconnects++;
      state.connection = 'connected';
      out.changed();
    },
    onEvent(event: ContractEvent) {
      if (event.type === 'quote') {
        if (applyQuote(state, event.id, event.data)) out.quote(event.id, event.data, event.raw);
      } else if (event.type === 'ready') {
        state.ready = event.data;
        if (verbose) say(`ready: ${event.raw}`);
      } else if (event.type === 'status') {
        // Every new stream starts with the feed's state; only a change is news.
        const { feed, attempt, reason } = event.data;
        const before = state.upstream;
        if (feed !== before?.feed || attempt !== before.attempt || reason !== before.reason) {
          say(`upstream ${feed}${formatStatusDetail(event.data)}`);
        }
        state.upstream = event.data;
      } else if (event.type === 'rejected') {
        // The stream goes on with the other symbols; these stay in the table, marked, and are named here.
        const marked = applyRejected(state, event.data);
        const { code, message } = event.data;
        if (marked.length > 0) say(`upstream rejected ${marked.join(', ')}: ${code} (${message})`);
      } else if (event.type === 'end' && verbose) say(`end: ${event.raw}`);
      else if (event.type === 'invalid') say(`ignored a bad ${event.event} event: ${event.reason}`);
      out.changed();
    },
    onStreamEnd(stream) {
      state.connection = stream.outcome === 'clean' ? 'stream ended' : 'stream cut';
      if (stream.outcome === 'cut') {
        const where = stream.lastEventId === undefined ? '' : `, last id ${stream.lastEventId}`;
        say(
          `stream cut without end (${stream.error?.code}: ${stream.error?.message}) after ${stream.quotes} quotes${where}`,
        );
      }
    },
    onRefused(error, status, body) {
      state.connection = status === 0 ? 'unreachable' : `refused (HTTP ${status})`;
      const invalid = (body as { invalid?: unknown } | undefined)?.invalid;
      const listed = Array.isArray(invalid) ? ` (invalid: ${invalid.map(String).join(', ')})` : '';
      say(`${error.message}${listed}${refusalHint(status)}`);
    },
    onWait(ms, lastEventId) {
      state.connection = `reconnecting in ${(ms / 1000).toFixed(1)}s`;
      if (verbose) say(`reconnecting in ${ms} ms with Last-Event-ID ${lastEventId ?? '(none)'}`);
      out.changed();
    },
  };
}

function exitCode(result: FollowResult): number {
  if (result.kind === 'clean') return 0;
  if (result.kind === 'aborted') return 130;
  if (result.kind === 'refused' && result.fatal) return 3;
  return 1;
}

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        url: { type: 'string', default: DEFAULT_STREAM_URL },
        token: { type: 'string' },
        once: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    process.stderr.write(`ticker: ${(err as Error).message}\nTry --help.\n`);
    return 2;
  }
  const { values, positionals } = args;
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const token = chooseToken(values.token, process.env);
  if (!token.ok) {
    process.stderr.write(`ticker: ${token.message}\nTry --help.\n`);
    return 2;
  }
  const built = buildStreamUrl(values.url, positionals, token.token);
  if (!built.ok) {
    process.stderr.write(`ticker: ${built.message}\nTry --help.\n`);
    return 2;
  }
  const symbols = (built.url.searchParams.get('symbols') ?? '').split(',').filter(Boolean);
  const state = initialState(symbols);
  // A terminal that reports no size (a pty nobody sized) cannot hold an in-place table: log-update
  // would cut it to zero lines, so such a terminal gets the line output instead.
  const hasScreen = process.stdout.isTTY && (process.stdout.rows ?? 0) > 0;
  const out = hasScreen && !values.json ? tableOutput(state) : lineOutput(values.json);
  const stop = (code: number) => (): void => {
    out.stop();
    process.exit(code); // Ctrl-C means now: no draining, the OS closes the socket
  };
  process.once('SIGINT', stop(130));
  process.once('SIGTERM', stop(143));
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0); // `ticker | head` closed the pipe: we are done
    throw err;
  });
  const result = await followStream(built.url, {
    once: values.once,
    // The token to mask is the one the URL carries, whether from --token, the env or --url itself.
    hooks: hooks(state, out, values.verbose, built.url.searchParams.get(TOKEN_PARAM) ?? undefined),
  });
  out.stop();
  return exitCode(result);
}

process.exitCode = await main(process.argv.slice(2));
