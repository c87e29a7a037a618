/**
 * The ingest's configuration: FEED, UPSTREAM_URL (or the vendor's default), BUS_URL (required), the
 * vendor's credentials, INGEST_LEASE_MS and INGEST_GRACE_MS, validated together so one start-up error
 * lists every bad variable. FEED, UPSTREAM_URL, BUS_URL, UPSTREAM_MAX_ATTEMPTS and LOG_LEVEL are read
 * exactly as the gateway reads them (core/config.ts).
 */
import { parseConfig, readIntVariable, type Env } from '../core/config.ts';
import type { BusTarget } from '../core/bus-url.ts';
import type { ConfigIssue } from '../core/errors.ts';
import type { LogLevel } from '../core/log.ts';
import type { Credentials, FeedAdapter } from '../feeds/adapter.ts';
import { FEEDS, getFeedAdapter } from '../feeds/registry.ts';

export interface IngestSettings {
  bus: BusTarget;
  adapter: FeedAdapter;
  /** The vendor URL (UPSTREAM_URL or the adapter's default); the adapter places the credentials. */
  upstreamUrl: string;
  /** The feed's credentials by variable name (never logged). */
  credentials: Credentials;
  leaseMs: number;
  graceMs: number;
  upstreamMaxAttempts: number;
  logLevel: LogLevel;
}

/** Validate the ingest's environment: the settings, or every issue found. */
export function parseIngestSettings(
  env: Env,
): { ok: true; settings: IngestSettings } | { ok: false; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const leaseMs = readIntVariable(
    env,
    { variable: 'INGEST_LEASE_MS', defaultValue: 15_000, min: 300, max: 600_000 },
    issues,
  );
  const graceMs = readIntVariable(
    env,
    { variable: 'INGEST_GRACE_MS', defaultValue: 2000, min: 0, max: 600_000 },
    issues,
  );
  // The ingest is the one process that dials the vendor with BUS_URL set: its credentials are required.
  const parsed = parseConfig(env, FEEDS, { dialsVendor: true });
  if (!parsed.ok) issues.push(...parsed.issues);
  const config = parsed.ok ? parsed.config : undefined;
  // Missing BUS_URL is reported with the other issues, not after they are fixed.
  if ((env.BUS_URL ?? '').trim() === '') {
    issues.push({
      variable: 'BUS_URL',
      value: '',
      expected: 'redis://host:port (required: the ingest publishes there)',
    });
  }
  const adapter = config === undefined ? undefined : getFeedAdapter(config.feed);
  const url = config?.upstreamUrl;
  if (adapter !== undefined && url === undefined) {
    issues.push({
      variable: 'UPSTREAM_URL',
      value: '',
      expected: `a ws:// or wss:// URL (FEED=${adapter.name} has no default)`,
    });
  }
  if (issues.length > 0 || config?.bus === undefined || adapter === undefined || url === undefined) {
    return { ok: false, issues };
  }
  return {
    ok: true,
    settings: {
      bus: config.bus,
      adapter,
      upstreamUrl: url,
      // The configuration checked them (missing ones are issues above) and never prints them.
      credentials: config.credentials,
      leaseMs,
      graceMs,
      upstreamMaxAttempts: config.upstreamMaxAttempts,
      logLevel: config.logLevel,
    },
  };
}
