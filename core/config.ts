/**
 * Turn an environment-like record into a frozen, validated Config. Every bad variable is reported at
 * once, each with its name, its value and the allowed range, so a misconfigured deployment fails
 * once with the whole list instead of one variable per attempt.
 *
 * A reported value never carries a secret: a configuration error is written to the cold start's
 * init-error log and to terminals, so a URL-shaped value is shown through {@link redactUrl}
 * (userinfo and query values masked) and an unparsable `UPSTREAM_URL` is not echoed at all.
 * @see docs/CONTRACT.md §2 Configuration
 */
import { ConfigError, type ConfigIssue } from './errors.ts';
import { LOG_LEVELS, isLogLevel, type LogLevel } from './log.ts';
import { redactUrl } from '../common/redact.ts';
import { parseBusUrl, type BusTarget } from './bus-url.ts';

/** The validated gateway configuration (built once per cold start). */
export interface Config {
  /**
   * `ws://` or `wss://` URL of the upstream: UPSTREAM_URL, else the feed's own default (a vendor's);
   * undefined means "the embedded simulator" (FEED=native, local only).
   */
  upstreamUrl: string | undefined;
  feed: string;
  /**
   * The feed's credentials by variable name (FEED=alpaca: ALPACA_KEY_ID, ALPACA_SECRET_KEY); none for
   * a gateway on the bus ({@link ParseOptions.dialsVendor}). Its `toJSON` masks the values, so a logged
   * Config never shows them.
   */
  credentials: Readonly<Record<string, string>>;
  /** BUS_URL parsed: quotes come from the scale-out bus instead of the upstream (never logged). */
  bus: BusTarget | undefined;
  throttleMs: number;
  heartbeatMs: number;
  retryMs: number;
  deadlineMarginMs: number;
  maxSymbols: number;
  upstreamMaxAttempts: number;
  /** How long the process keeps its upstream connection after its last stream ended (0 on Lambda). */
  upstreamLingerMs: number;
  /** `'*'` or the exact origins allowed. */
  corsOrigins: '*' | readonly string[];
  logLevel: LogLevel;
}

/**
 * What the configuration needs to know of one registered feed. feeds/registry.ts passes its adapters,
 * which have these fields (core/ does not import feeds/).
 */
export interface FeedDescription {
  readonly name: string;
  /** The vendor's URL, used when UPSTREAM_URL is unset; none for the native simulator. */
  readonly defaultUrl?: string;
  /** Variables that must be set for this feed (its credentials). */
  readonly credentialNames: readonly string[];
}

/** Environment-like input (process.env in the shells, a literal in tests). */
export type Env = Readonly<Record<string, string | undefined>>;

interface IntRule extends IntVariable {
  key:
    | 'throttleMs'
    | 'heartbeatMs'
    | 'retryMs'
    | 'deadlineMarginMs'
    | 'maxSymbols'
    | 'upstreamMaxAttempts'
    | 'upstreamLingerMs';
}

/** Integer settings: defaults from the contract's table, ranges chosen so nonsense cannot start. */
const INT_RULES: readonly IntRule[] = [
  { variable: 'THROTTLE_MS', key: 'throttleMs', defaultValue: 250, min: 0, max: 60_000 },
  // At most just below API Gateway's idle timeout of a streamed response, 5 minutes on Regional endpoints
  // (https://docs.aws.amazon.com/apigateway/latest/developerguide/response-transfer-mode.html).
  { variable: 'HEARTBEAT_MS', key: 'heartbeatMs', defaultValue: 15_000, min: 10, max: 290_000 },
  { variable: 'RETRY_MS', key: 'retryMs', defaultValue: 1_000, min: 0, max: 600_000 },
  { variable: 'DEADLINE_MARGIN_MS', key: 'deadlineMarginMs', defaultValue: 10_000, min: 10, max: 300_000 },
  // 500 symbols fit the upstream frame cap because feeds/frame-cap.ts sizes that cap by the number of
  // symbols subscribed: 256 B per symbol (a native quote with a 20-character symbol and six numbers
  // of up to 24 characters is 242 B, plus a comma), never below 64 KiB; 500 × 256 B = 128,000 B for
  // the subscribe snapshot.
  { variable: 'MAX_SYMBOLS', key: 'maxSymbols', defaultValue: 50, min: 1, max: 500 },
  { variable: 'UPSTREAM_MAX_ATTEMPTS', key: 'upstreamMaxAttempts', defaultValue: 5, min: 1, max: 1_000 },
  // Up to 10 minutes: past that a reconnecting client would find a cold connection anyway.
  { variable: 'UPSTREAM_LINGER_MS', key: 'upstreamLingerMs', defaultValue: 5_000, min: 0, max: 600_000 },
];

const ORIGIN = /^https?:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?$/;

/** Range and default of one integer variable. */
export interface IntVariable {
  variable: string;
  defaultValue: number;
  min: number;
  max: number;
}

/**
 * How a bad value is shown in a {@link ConfigIssue}: as it is, unless it parses as a URL with
 * userinfo, a query or a fragment, which is shown redacted. A URL pasted into the wrong variable
 * (`FEED=wss://…?token=…`) is the likely leak; a value without those parts has no URL secret to hide.
 */
function reportedValue(raw: string): string {
  const url = URL.parse(raw.trim());
  const hasSecretParts = url !== null && (url.username || url.password || url.search || url.hash);
  return hasSecretParts ? redactUrl(raw.trim()) : raw;
}

/** Read one integer variable; a bad value is appended to `issues` and the default returned. */
export function readIntVariable(env: Env, rule: IntVariable, issues: ConfigIssue[]): number {
  const raw = env[rule.variable];
  if (raw === undefined || raw.trim() === '') return rule.defaultValue;
  const value = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < rule.min || value > rule.max) {
    issues.push({
      variable: rule.variable,
      value: reportedValue(raw),
      expected: `an integer from ${rule.min} to ${rule.max}`,
    });
    return rule.defaultValue;
  }
  return value;
}

/**
 * What is wrong with an UPSTREAM_URL, or undefined when `ws` can dial it. A fragment is refused here
 * because `ws` refuses it at every dial ("The URL contains a fragment identifier", as RFC 6455 §3
 * forbids fragments in WebSocket URIs): accepted, it would fail every stream instead of the start.
 * Any `#`, even an empty fragment, is refused: it can only be a mistake.
 */
function upstreamUrlProblem(raw: string): string | undefined {
  const url = URL.parse(raw); // null when it is not a URL at all
  if (url === null || (url.protocol !== 'ws:' && url.protocol !== 'wss:') || url.hostname === '') {
    return 'a ws:// or wss:// URL';
  }
  if (raw.includes('#')) return 'a ws:// or wss:// URL without a #fragment (WebSocket URLs cannot have one)';
  return undefined;
}

function readUpstreamUrl(env: Env, issues: ConfigIssue[]): string | undefined {
  const raw = env.UPSTREAM_URL?.trim();
  if (!raw) return undefined;
  const expected = upstreamUrlProblem(raw);
  if (expected === undefined) return raw;
  // The value is the upstream's credential channel: shown redacted, or not at all when unparsable.
  issues.push({ variable: 'UPSTREAM_URL', value: redactUrl(raw), expected });
  return undefined;
}

function readBus(env: Env, issues: ConfigIssue[]): BusTarget | undefined {
  const raw = env.BUS_URL?.trim();
  if (!raw) return undefined;
  const parsed = parseBusUrl(raw);
  if (parsed.ok) return parsed.target;
  // The URL may hold the bus password: shown redacted, or not at all when unparsable.
  issues.push({ variable: 'BUS_URL', value: redactUrl(raw), expected: parsed.expected });
  return undefined;
}

function readCorsOrigins(env: Env, issues: ConfigIssue[]): Config['corsOrigins'] {
  const raw = env.CORS_ORIGINS?.trim();
  if (!raw || raw === '*') return '*';
  // Scheme and host are case-insensitive; browsers send them lower-case, so compare lower-case.
  const origins = raw.split(',').map((o) => o.trim().replace(/\/$/, '').toLowerCase());
  const bad = origins.filter((o) => !ORIGIN.test(o));
  if (bad.length > 0) {
    issues.push({
      variable: 'CORS_ORIGINS',
      value: reportedValue(raw),
      expected: "'*' or comma-separated origins like https://app.example.com",
    });
    return '*';
  }
  return Object.freeze(origins);
}

function readLogLevel(env: Env, issues: ConfigIssue[]): LogLevel {
  const raw = env.LOG_LEVEL?.trim().toLowerCase();
  if (!raw) return 'info';
  if (isLogLevel(raw)) return raw;
  issues.push({
    variable: 'LOG_LEVEL',
    value: reportedValue(env.LOG_LEVEL ?? ''),
    expected: `one of ${LOG_LEVELS.join(', ')}`,
  });
  return 'info';
}

/**
 * The feed's credentials from `env`, in an object whose JSON and inspection show names only. Every
 * missing one is listed in one issue, by name: there is no value to show, and none would be shown.
 */
function readCredentials(env: Env, feed: FeedDescription, issues: ConfigIssue[]): Config['credentials'] {
  const values: Record<string, string> = {};
  const missing: string[] = [];
  for (const name of feed.credentialNames) {
    const value = env[name]?.trim();
    if (value) values[name] = value;
    else missing.push(name);
  }
  if (missing.length > 0) {
    issues.push({
      variable: missing.join(', '),
      value: '',
      expected: `set: FEED=${feed.name} needs ${feed.credentialNames.join(', ')} (vendor credentials; never printed)`,
    });
  }
  const masked = (): Record<string, string> => Object.fromEntries(Object.keys(values).map((k) => [k, '***']));
  Object.defineProperty(values, 'toJSON', { value: masked });
  Object.defineProperty(values, Symbol.for('nodejs.util.inspect.custom'), { value: masked });
  return Object.freeze(values);
}

/** What the process that reads the configuration does with the vendor. */
interface ParseOptions {
  /**
   * It dials the vendor itself, so the feed's credentials are required. A gateway with BUS_URL takes
   * its quotes from the bus and never dials: it needs none and holds none (a key it never uses is only
   * exposure); the ingest dials with BUS_URL set and passes true. @defaultValue BUS_URL is unset
   */
  dialsVendor?: boolean;
}

/**
 * Validate the environment; returns every issue found, or the Config.
 * @param feeds the feeds the FEED registry accepts (passed in so core/ does not import feeds/)
 */
export function parseConfig(
  env: Env,
  feeds: readonly FeedDescription[],
  options: ParseOptions = {},
): { ok: true; config: Config } | { ok: false; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const ints = Object.fromEntries(
    INT_RULES.map((rule) => [rule.key, readIntVariable(env, rule, issues)]),
  ) as Record<IntRule['key'], number>;
  const feed = env.FEED?.trim() || 'native';
  const description = feeds.find((known) => known.name === feed);
  if (description === undefined) {
    issues.push({
      variable: 'FEED',
      value: reportedValue(feed),
      expected: `one of ${feeds.map((known) => known.name).join(', ')}`,
    });
  }
  // Set, even if malformed (reported below): a gateway meant for the bus is not asked for vendor keys.
  const dialsVendor = options.dialsVendor ?? !env.BUS_URL?.trim();
  const credentialNames = (dialsVendor && description?.credentialNames) || [];
  const config: Config = {
    upstreamUrl: readUpstreamUrl(env, issues) ?? description?.defaultUrl,
    feed,
    credentials: readCredentials(env, { name: feed, credentialNames }, issues),
    bus: readBus(env, issues),
    ...ints,
    corsOrigins: readCorsOrigins(env, issues),
    logLevel: readLogLevel(env, issues),
  };
  return issues.length > 0 ? { ok: false, issues } : { ok: true, config: Object.freeze(config) };
}

/** Like {@link parseConfig}, but throws one ConfigError naming every bad variable. */
export function loadConfig(env: Env, feeds: readonly FeedDescription[]): Config {
  const result = parseConfig(env, feeds);
  if (!result.ok) throw new ConfigError(result.issues);
  return result.config;
}
