/**
 * The local runtime's own settings (PORT, FUNCTION_TIMEOUT_S, MAX_STREAMS, AUTH_SECRET, TCP_NODELAY), validated the
 * same way as the gateway's so that one start-up error lists every bad variable.
 * @see docs/CONTRACT.md §2 Configuration
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { readIntVariable, type Env } from '../core/config.ts';
import type { ConfigIssue } from '../core/errors.ts';
import { MIN_SECRET_LENGTH } from '../core/token.ts';

/** What the local runtime needs beyond the gateway's Config. */
export interface LocalSettings {
  port: number;
  functionTimeoutS: number;
  /** Streams running at once before the emulator answers 503. */
  maxStreams: number;
  /** The HS256 secret tokens are checked against; undefined turns auth off. Never printed. */
  authSecret: string | undefined;
  /**
   * TCP_NODELAY on each accepted connection: true (Node's default) sends each write at once; false
   * leaves Nagle's algorithm on, as nginx does (docs/decisions/012-nagle.md).
   */
  tcpNoDelay: boolean;
}

/** Used when serverless.yml has no numeric `functions.stream.timeout`. */
const FALLBACK_FUNCTION_TIMEOUT_S = 300;
/** [aws] Lambda's maximum function timeout. */
const MAX_FUNCTION_TIMEOUT_S = 900;
/** Concurrent streams the local runtime serves by default (docs/CONTRACT.md §2 Configuration). */
export const DEFAULT_MAX_STREAMS = 5000;

/** The parts of serverless.yml the local platform reproduces; everything is optional there. */
interface ServerlessYml {
  functions?: {
    stream?: {
      timeout?: unknown;
      events?: {
        http?: { path?: unknown; method?: unknown; request?: { parameters?: { querystrings?: unknown } } };
      }[];
    };
  };
  resources?: {
    Resources?: Record<string, { Type?: unknown; Properties?: { ResponseParameters?: unknown } }>;
  };
}

/** How API Gateway is configured in front of the `stream` function, for the local stand-in. */
export interface DeployedApi {
  route: { method: string; path: string };
  /** The request validator's required query parameters (`querystrings: { name: true }`). */
  requiredQueryParameters: string[];
  /** Static headers that `AWS::ApiGateway::GatewayResponse` resources add to API Gateway's own answers. */
  gatewayResponseHeaders: Record<string, string>;
}

/** Each file parsed once per process: every local gateway (a test starts dozens) reads the same one. */
const parsedFiles = new Map<string, ServerlessYml | undefined>();

function readServerlessYml(serverlessYmlPath: string): ServerlessYml | undefined {
  if (!parsedFiles.has(serverlessYmlPath)) {
    let doc: ServerlessYml | undefined;
    try {
      doc = parse(readFileSync(serverlessYmlPath, 'utf8')) as ServerlessYml;
    } catch {
      doc = undefined; // no serverless.yml (or unreadable): callers fall back to documented defaults
    }
    parsedFiles.set(serverlessYmlPath, doc);
  }
  return parsedFiles.get(serverlessYmlPath);
}

/** The `stream` function's timeout in serverless.yml, so local runs rotate like the deployed stage. */
export function readDeployedTimeoutS(serverlessYmlPath: string): number {
  const timeout = readServerlessYml(serverlessYmlPath)?.functions?.stream?.timeout;
  return typeof timeout === 'number' && timeout > 0 && timeout <= MAX_FUNCTION_TIMEOUT_S
    ? timeout
    : FALLBACK_FUNCTION_TIMEOUT_S;
}

/**
 * The route, validator and gateway-response headers serverless.yml declares for the `stream`
 * function, so the local stand-in answers exactly what the deployed API Gateway would, and a change
 * to serverless.yml shows up in `npm start` and the tests at once.
 *
 * @throws Error when serverless.yml has no `http` event for `stream`: the local platform would
 *   otherwise serve a route the deployment does not have.
 */
export function readDeployedApi(serverlessYmlPath: string): DeployedApi {
  const doc = readServerlessYml(serverlessYmlPath);
  const http = doc?.functions?.stream?.events?.find((event) => event.http !== undefined)?.http;
  if (typeof http?.path !== 'string' || typeof http.method !== 'string') {
    throw new Error(`${serverlessYmlPath}: functions.stream needs an http event with a path and a method`);
  }
  const querystrings = http.request?.parameters?.querystrings;
  const requiredQueryParameters =
    typeof querystrings === 'object' && querystrings !== null
      ? Object.entries(querystrings)
          .filter(([, required]) => required === true)
          .map(([name]) => name)
      : [];
  const gatewayResponseHeaders: Record<string, string> = {};
  for (const resource of Object.values(doc?.resources?.Resources ?? {})) {
    if (resource.Type !== 'AWS::ApiGateway::GatewayResponse') continue;
    const parameters = resource.Properties?.ResponseParameters;
    if (typeof parameters !== 'object' || parameters === null) continue;
    for (const [key, value] of Object.entries(parameters)) {
      // Only static values ('quoted'), the form API Gateway takes for a literal header value; one
      // built from a serverless variable (${...}) is stage-dependent and left to the caller.
      const header = /^gatewayresponse\.header\.(.+)$/.exec(key)?.[1];
      const literal = typeof value === 'string' ? /^'(.*)'$/.exec(value)?.[1] : undefined;
      if (header !== undefined && literal !== undefined && !literal.includes('${'))
        gatewayResponseHeaders[header.toLowerCase()] = literal;
    }
  }
  return {
    route: { method: http.method.toUpperCase(), path: `/${http.path.replace(/^\//, '')}` },
    requiredQueryParameters,
    gatewayResponseHeaders,
  };
}

/**
 * AUTH_SECRET: unset or blank turns auth off; otherwise at least {@link MIN_SECRET_LENGTH}
 * characters. A refused value is reported by its length only: the secret itself is never printed.
 */
function readAuthSecret(env: Env, issues: ConfigIssue[]): string | undefined {
  const raw = env.AUTH_SECRET;
  if (raw === undefined || raw.trim() === '') return undefined;
  if (raw.length < MIN_SECRET_LENGTH) {
    issues.push({
      variable: 'AUTH_SECRET',
      value: `(hidden, ${raw.length} characters)`,
      expected: `at least ${MIN_SECRET_LENGTH} characters (unset it to turn auth off)`,
    });
    return undefined;
  }
  return raw;
}

/**
 * TCP_NODELAY: `true` or `false` (any case, surrounding blanks ignored); unset or blank is `true`,
 * Node's own default.
 */
function readTcpNoDelay(env: Env, issues: ConfigIssue[]): boolean {
  const raw = env.TCP_NODELAY?.trim().toLowerCase();
  if (raw === undefined || raw === '' || raw === 'true') return true;
  if (raw === 'false') return false;
  issues.push({
    variable: 'TCP_NODELAY',
    value: env.TCP_NODELAY ?? '',
    expected: 'true (send each write at once, the default) or false (Nagle on)',
  });
  return true;
}

/** Validate PORT, FUNCTION_TIMEOUT_S, MAX_STREAMS, AUTH_SECRET and TCP_NODELAY; issues are appended to `issues`. */
export function parseLocalSettings(env: Env, defaultTimeoutS: number, issues: ConfigIssue[]): LocalSettings {
  return {
    port: readIntVariable(env, { variable: 'PORT', defaultValue: 3000, min: 0, max: 65_535 }, issues),
    functionTimeoutS: readIntVariable(
      env,
      { variable: 'FUNCTION_TIMEOUT_S', defaultValue: defaultTimeoutS, min: 1, max: MAX_FUNCTION_TIMEOUT_S },
      issues,
    ),
    // 5000 leaves room for the benchmarks' largest run; the cap bounds what any web page can open.
    maxStreams: readIntVariable(
      env,
      { variable: 'MAX_STREAMS', defaultValue: DEFAULT_MAX_STREAMS, min: 1, max: 100_000 },
      issues,
    ),
    authSecret: readAuthSecret(env, issues),
    tcpNoDelay: readTcpNoDelay(env, issues),
  };
}
