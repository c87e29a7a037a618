/**
 * `npm run simulator -- --port 8080 --profile busy --seed 42`: run the market simulator on loopback,
 * print its ws:// URL on stdout (logs go to stderr), stop cleanly on SIGINT/SIGTERM.
 * @see docs/decisions/002-simulator.md
 */
import { parseArgs } from 'node:util';
import { createJsonLogger } from '../core/log.ts';
import { PROFILE_NAMES, isProfileName } from './profiles.ts';
import { parseUnlistedSymbols } from './protocol.ts';
import { startSimulator } from './server.ts';

const USAGE = `Usage: node simulator/main.ts [--port N] [--profile NAME] [--seed N] [--tick-ms N] [--unlisted A,B]

Runs the native-protocol quote simulator on 127.0.0.1 and prints its ws:// URL.

  --port N        TCP port, 0 for any free one (default 8080)
  --profile NAME  ${PROFILE_NAMES.join(' | ')} (default busy)
  --seed N        integer seed; the same seed gives the same quotes (default 42)
  --tick-ms N     batch interval in ms, 1 to 1000 (default 20)
  --unlisted A,B  symbols this market does not list: subscribes naming them get an unknown_symbol error
  -h, --help      show this text`;

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function integer(flag: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    fail(`--${flag} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function readArgs() {
  try {
    return parseArgs({
      options: {
        port: { type: 'string', default: '8080' },
        profile: { type: 'string', default: 'busy' },
        seed: { type: 'string', default: '42' },
        'tick-ms': { type: 'string', default: '20' },
        unlisted: { type: 'string', default: '' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    // parseArgs throws a TypeError with a readable message for unknown flags and missing values.
    return fail((error as Error).message);
  }
}

const { values } = readArgs();
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
} else {
  if (!isProfileName(values.profile))
    fail(`--profile must be one of ${PROFILE_NAMES.join(', ')}, got ${JSON.stringify(values.profile)}`);
  const unlisted = parseUnlistedSymbols(values.unlisted);
  if (!unlisted.ok) fail(`--unlisted has invalid symbols: ${unlisted.invalid.slice(0, 5).join(', ')}`);
  const simulator = await startSimulator({
    port: integer('port', values.port, 0, 65_535),
    profile: values.profile,
    seed: integer('seed', values.seed, -(2 ** 31), 2 ** 32 - 1),
    tickMs: integer('tick-ms', values['tick-ms'], 1, 1000),
    unlisted: unlisted.symbols,
    log: createJsonLogger({ write: (line) => process.stderr.write(`${line}\n`) }),
  }).catch((error: NodeJS.ErrnoException) => fail(`cannot listen: ${error.code ?? ''} ${error.message}`));
  process.stdout.write(`${simulator.url}\n`);

  const stop = (signal: string): void => {
    process.stderr.write(`${signal}: stopping simulator\n`);
    // No process.exit(): once the listener and sockets are closed the process ends by itself, and a
    // second Ctrl-C (the once-listener is gone) still kills it if something hangs.
    void simulator.close();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}
