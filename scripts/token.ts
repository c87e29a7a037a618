/**
 * `npm run token -- --sub alice --ttl 3600 [--symbols AAPL,MSFT]`: mint an access token for the
 * gateway (docs/CONTRACT.md §2 Auth), signed with `AUTH_SECRET` from the environment. Only the token
 * is printed on stdout, so `TOKEN=$(npm run --silent token -- --sub alice)` captures it; messages go
 * to stderr, and the secret is never printed.
 *
 * Exit codes: 0 minted, 1 `AUTH_SECRET` unusable, 2 bad arguments.
 * @see docs/decisions/010-access.md
 */
import { parseArgs } from 'node:util';
import { MAX_TOKEN_LIFETIME_S, MIN_SECRET_LENGTH, mintToken } from '../core/token.ts';

/** Lifetime when `--ttl` is not given, in seconds: one hour. */
const DEFAULT_TTL_S = 3_600;
/**
 * Longest lifetime accepted, in seconds: 7 days. A token rides in a URL, where it can outlive its use
 * (browser history, a proxy's log); a short life bounds what a leaked one is worth.
 */
const MAX_TTL_S = MAX_TOKEN_LIFETIME_S;

const USAGE = `Usage: npm run token -- --sub <id> [--ttl <seconds>] [--symbols <A,B,...>]

Mint an HS256 access token for the quote stream, signed with AUTH_SECRET (at least
${MIN_SECRET_LENGTH} characters) from the environment. Prints only the token.

Options:
  --sub <id>            who holds the token (required; logged by the gateway)
  --ttl <seconds>       lifetime, 1 to ${MAX_TTL_S} (default ${DEFAULT_TTL_S})
  --symbols <A,B,...>   the only symbols the token may stream (default: every symbol)
  -h, --help            show this help

Example:
  AUTH_SECRET=... npm run --silent token -- --sub alice --ttl 3600 --symbols AAPL,MSFT
`;

/** Print `message` and the usage hint to stderr, and exit with `code`. */
function fail(message: string, code: 1 | 2): never {
  process.stderr.write(`token: ${message}\n${code === 2 ? 'Run with --help for usage.\n' : ''}`);
  process.exit(code);
}

function parse(): { sub: string; ttlS: number; symbols: string[] | undefined } | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        sub: { type: 'string' },
        ttl: { type: 'string' },
        symbols: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    fail((error as Error).message, 2);
  }
  if (values.help) return 'help';
  const sub = values.sub?.trim();
  if (sub === undefined || sub === '') fail('--sub <id> is required', 2);
  const ttl = values.ttl ?? String(DEFAULT_TTL_S);
  const ttlS = /^\d{1,7}$/.test(ttl) ? Number(ttl) : Number.NaN;
  if (!(ttlS >= 1 && ttlS <= MAX_TTL_S))
    fail(`--ttl must be a whole number of seconds from 1 to ${MAX_TTL_S}`, 2);
  const symbols = values.symbols
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (symbols !== undefined && symbols.length === 0) fail('--symbols needs at least one symbol', 2);
  return { sub, ttlS, symbols };
}

const args = parse();
if (args === 'help') {
  process.stdout.write(USAGE);
} else {
  const secret = process.env.AUTH_SECRET;
  if (secret === undefined || secret === '')
    fail('AUTH_SECRET is not set: export the secret the gateway checks', 1);
  if (secret.length < MIN_SECRET_LENGTH) {
    fail(`AUTH_SECRET must be at least ${MIN_SECRET_LENGTH} characters long (it has ${secret.length})`, 1);
  }
  try {
    const token = await mintToken({ ...args, secret });
    process.stdout.write(`${token}\n`);
  } catch (error) {
    // mintToken's TypeErrors name the bad argument (an invalid symbol); anything else is a bug.
    if (error instanceof TypeError) fail(error.message, 2);
    throw error;
  }
}
