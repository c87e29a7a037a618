/**
 * `npm start`: the gateway with the embedded market simulator and the dashboard, on one port.
 * Refuses to start on bad configuration, naming every bad variable; stops cleanly on SIGINT/SIGTERM,
 * ending open streams with `end` reason `shutdown`.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseConfig } from '../core/config.ts';
import { isTimeoutTooShort, minTimeoutMs } from '../core/deadline.ts';
import { ConfigError, type ConfigIssue } from '../core/errors.ts';
import { createJsonLogger } from '../core/log.ts';
import { FEEDS, getFeedAdapter } from '../feeds/registry.ts';
import { PROFILE_NAMES, isProfileName } from '../simulator/profiles.ts';
import { parseUnlistedSymbols } from '../simulator/protocol.ts';
import { PROJECT_ROOT, startLocalGateway } from './gateway.ts';
import { parseLocalSettings, readDeployedTimeoutS } from './settings.ts';
import { staticFallback } from './static.ts';

const issues: ConfigIssue[] = [];
const settings = parseLocalSettings(
  process.env,
  readDeployedTimeoutS(resolve(PROJECT_ROOT, 'serverless.yml')),
  issues,
);
const profile = process.env.SIMULATOR_PROFILE?.trim() || 'busy';
if (!isProfileName(profile)) {
  issues.push({
    variable: 'SIMULATOR_PROFILE',
    value: profile,
    expected: `one of ${PROFILE_NAMES.join(', ')}`,
  });
}
const unlisted = parseUnlistedSymbols(process.env.SIMULATOR_UNLISTED ?? '');
if (!unlisted.ok) {
  issues.push({
    variable: 'SIMULATOR_UNLISTED',
    value: unlisted.invalid.join(','),
    expected: 'comma-separated symbols (the grammar of docs/CONTRACT.md §2)',
  });
}
const parsed = parseConfig(process.env, FEEDS);
if (!parsed.ok) issues.push(...parsed.issues);
// The handler only warns about this (the function is already deployed); here it is caught before start.
if (parsed.ok && isTimeoutTooShort(settings.functionTimeoutS * 1000, parsed.config.deadlineMarginMs)) {
  issues.push({
    variable: 'FUNCTION_TIMEOUT_S',
    value: String(settings.functionTimeoutS),
    expected: `more than 2 × DEADLINE_MARGIN_MS + the finish grace (${minTimeoutMs(parsed.config.deadlineMarginMs) / 1000} s), or streams would end as soon as they start`,
  });
}
if (!parsed.ok || issues.length > 0) {
  process.stderr.write(`quote-stream: refusing to start.\n${new ConfigError(issues).message}\n`);
  process.exit(1);
}
const config = parsed.config;
const writeLog = (line: string): void => void process.stdout.write(`${line}\n`);
const log = createJsonLogger({ level: config.logLevel, write: writeLog });
const dashboardDir = resolve(PROJECT_ROOT, 'clients/dashboard/dist');
const hasDashboard = existsSync(resolve(dashboardDir, 'index.html'));

let gateway: Awaited<ReturnType<typeof startLocalGateway>>;
try {
  gateway = await startLocalGateway({
    env: process.env,
    config,
    functionTimeoutS: settings.functionTimeoutS,
    port: settings.port,
    host: '127.0.0.1',
    fallback: hasDashboard ? staticFallback(dashboardDir) : undefined,
    simulator: {
      profile: isProfileName(profile) ? profile : 'busy',
      seed: 42,
      unlisted: unlisted.ok ? unlisted.symbols : [],
    },
    writeLog,
    maxStreams: settings.maxStreams,
    authSecret: settings.authSecret,
    tcpNoDelay: settings.tcpNoDelay,
  });
} catch (error) {
  // A port in use, a simulator that cannot bind: nothing is serving yet, so stop with a failure.
  log.error('could not start', { code: 'internal_error', error });
  process.stderr.write(
    `quote-stream: could not start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
}

// Last resort (security review H2), installed only once serving: a bug reached by one request must
// not stop every other stream. Each request's own failures are caught where they happen; this only
// logs what slipped through. Before this point a failure must end the process with a non-zero code.
process.on('uncaughtException', (error) =>
  log.error('uncaught exception', { code: 'internal_error', error }),
);
process.on('unhandledRejection', (error) =>
  log.error('unhandled rejection', { code: 'internal_error', error }),
);

const base = gateway.url.replace('127.0.0.1', 'localhost');
// Examples the configured feed lists: AAPL means nothing to a crypto exchange.
const examples = getFeedAdapter(config.feed).exampleSymbols ?? ['AAPL', 'MSFT'];
const symbolsQuery = encodeURI(examples.slice(0, 2).join(','));
log.info('listening', {
  url: gateway.url,
  // Redacted by the gateway: a vendor key or a bus password never reaches the log or the banner.
  upstreamUrl: gateway.upstreamUrl,
  functionTimeoutS: settings.functionTimeoutS,
  maxStreams: settings.maxStreams,
  auth: settings.authSecret !== undefined,
});
process.stderr.write(
  [
    '',
    `  Quote Stream is running (function timeout ${settings.functionTimeoutS} s, streams rotate ${config.deadlineMarginMs / 1000}-${(2 * config.deadlineMarginMs) / 1000} s before it)`,
    settings.authSecret === undefined
      ? `  stream     curl -N '${base}/stream?symbols=${symbolsQuery}'`
      : `  stream     curl -N '${base}/stream?symbols=${symbolsQuery}&token=TOKEN'  (TOKEN from: npm run token -- --sub you --ttl 3600)`,
    hasDashboard
      ? `  dashboard  ${base}/?symbols=${encodeURI(examples.join(','))}`
      : '  dashboard  not built: run `npm run build:dashboard`',
    config.bus === undefined
      ? `  upstream   ${gateway.upstreamUrl}${config.upstreamUrl ? '' : ' (embedded simulator)'}`
      : `  bus        ${gateway.upstreamUrl} (quotes from npm run ingest)`,
    '  Ctrl-C stops it; open streams end with reason "shutdown".',
    '',
  ].join('\n') + '\n',
);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info('stopping', { signal });
  await gateway.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
