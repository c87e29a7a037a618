/**
 * `npm run ingest`: the one holder of the vendor connection for a fleet of gateways (BUS_URL). Start
 * two for a standby: the second waits and takes over within INGEST_LEASE_MS after the first dies.
 * Refuses to start on bad configuration, naming every bad variable; on SIGINT/SIGTERM it closes the
 * vendor connection and releases the lease, so a standby takes over at once, and exits with 0. The
 * release waits at most a second for the bus, so an unreachable bus delays the exit by that much; a
 * second SIGINT/SIGTERM exits at once with 1 (the lease then runs out by itself).
 */
import { describeBusTarget } from '../core/bus-url.ts';
import { ConfigError } from '../core/errors.ts';
import { createJsonLogger } from '../core/log.ts';
import { redactUrl } from '../common/redact.ts';
import { startIngest } from './ingest.ts';
import { parseIngestSettings } from './settings.ts';

const parsed = parseIngestSettings(process.env);
if (!parsed.ok) {
  process.stderr.write(
    `quote-stream ingest: refusing to start.\n${new ConfigError(parsed.issues).message}\n`,
  );
  process.exit(1);
}
const { settings } = parsed;
const log = createJsonLogger({
  level: settings.logLevel,
  write: (line) => process.stdout.write(`${line}\n`),
});
const ingest = startIngest({ ...settings, log });
log.info('ingest started', {
  feed: settings.adapter.name,
  upstream: redactUrl(settings.upstreamUrl),
  bus: describeBusTarget(settings.bus),
  leaseMs: settings.leaseMs,
  graceMs: settings.graceMs,
});

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) {
    log.warn('stopping now', { signal });
    process.exit(1);
  }
  stopping = true;
  log.info('stopping', { signal });
  await ingest.stop();
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
