/**
 * Compose the local stack: the embedded simulator (unless an upstream URL is given), the `awslambda`
 * global, the streaming handler and the API Gateway stand-in. Used by `npm start` and by the
 * integration tests, so both exercise the same wiring.
 *
 * The handler is built with handlers/stream-handler.ts from the configuration and logger given here,
 * as handlers/stream.ts builds it on Lambda from the environment. A built bundle can run instead, to
 * check the artifact that ships; it reads its configuration from the environment, as on Lambda.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig, type Config, type Env } from '../core/config.ts';
import { createJsonLogger, silentLogger, type Logger } from '../core/log.ts';
import { FEEDS } from '../feeds/registry.ts';
import { TOKEN_QUERY_PARAMETER, createAuthorizer } from '../handlers/authorizer.ts';
import { createStreamHandler, processHub } from '../handlers/stream-handler.ts';
import { describeBusTarget } from '../core/bus-url.ts';
import { redactUrl } from '../common/redact.ts';
import { createStreamTracer } from '../handlers/tracing.ts';
import type { ProfileName } from '../simulator/profiles.ts';
import { startSimulator } from '../simulator/server.ts';
import { installAwsLambdaGlobal } from '../emulator/lambda/runtime.ts';
import type { LocalAuthorizer } from '../emulator/apigw/authorizer.ts';
import type { PreflightOptions } from '../emulator/apigw/preflight.ts';
import { startLocalServer, type FallbackHandler } from '../emulator/apigw/server.ts';
import { DEFAULT_MAX_STREAMS, readDeployedApi, type DeployedApi } from './settings.ts';

/** The project's root folder. */
export const PROJECT_ROOT = resolve(import.meta.dirname, '..');

/** The gateway's configuration, where its logs go, and the local platform around it. */
export interface LocalGatewayOptions {
  /** Gateway variables (docs/CONTRACT.md §2 Configuration), validated here; process.env is not read. */
  env: Env;
  /** `env` already validated (npm start checks it first, with its own settings): not parsed again. */
  config?: Config;
  functionTimeoutS: number;
  port?: number;
  host?: string;
  /**
   * A bundle from `npm run build` to run instead of the handler built from source. Loaded once per
   * process, with `env` applied to process.env for its import only.
   */
  bundlePath?: string;
  /** Requests outside the API route (the dashboard); without it they are answered 403. */
  fallback?: FallbackHandler;
  /** API Gateway's route, validator and own-answer headers. @defaultValue what serverless.yml declares */
  api?: DeployedApi;
  /** Embedded simulator settings, used when env has neither UPSTREAM_URL nor BUS_URL (and FEED is native). */
  simulator?: { profile?: ProfileName; seed?: number; unlisted?: readonly string[] };
  /** Where JSON log lines of the handler and of the stand-in go, filtered by LOG_LEVEL. @defaultValue nowhere */
  writeLog?: (line: string) => void;
  /** Streams running at once before a 503 (MAX_STREAMS). @defaultValue 5000 */
  maxStreams?: number;
  /**
   * AUTH_SECRET, already validated (dev/settings.ts): when set, the authorizer of handlers/authorizer.ts
   * runs before the handler, as deployed. @defaultValue unset: no token needed
   */
  authSecret?: string;
  /** TCP_NODELAY on accepted connections (dev/settings.ts). @defaultValue true, Node's default */
  tcpNoDelay?: boolean;
}

/**
 * [aws] How long a browser may reuse a preflight answer, in seconds. Chromium caps it at 7200 and
 * Firefox at 86400; ten minutes lets a change of CORS_ORIGINS reach open pages soon.
 * @see https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Access-Control-Max-Age
 */
const PREFLIGHT_MAX_AGE_S = 600;

/**
 * The `OPTIONS /stream` answer (docs/CONTRACT.md §2): the request headers a fetch-based SSE client
 * sends beyond the CORS-safelisted ones (`Last-Event-ID` on reconnect, `Cache-Control`), for the
 * origins CORS_ORIGINS allows.
 */
function streamPreflight(config: Pick<Config, 'corsOrigins'>): PreflightOptions {
  return {
    allowOrigins: config.corsOrigins,
    allowMethods: ['GET'],
    allowHeaders: ['last-event-id', 'cache-control'],
    maxAgeS: PREFLIGHT_MAX_AGE_S,
  };
}

/**
 * API Gateway's own answers carry one static origin, the stage's `gatewayResponseOrigin` (serverless.yml),
 * which defaults to its CORS origins: locally `*`, or the first origin CORS_ORIGINS lists. A literal
 * that serverless.yml gives wins.
 */
function withGatewayOrigin(api: DeployedApi, config: Pick<Config, 'corsOrigins'>): DeployedApi {
  const origin = config.corsOrigins === '*' ? '*' : config.corsOrigins[0];
  if (origin === undefined || 'access-control-allow-origin' in api.gatewayResponseHeaders) return api;
  return {
    ...api,
    gatewayResponseHeaders: { ...api.gatewayResponseHeaders, 'access-control-allow-origin': origin },
  };
}

/** The deployed REQUEST authorizer, run in-process with the secret given (never logged). */
function localAuthorizer(secret: string, log: Logger): LocalAuthorizer {
  return {
    identityQueryParameter: TOKEN_QUERY_PARAMETER,
    run: createAuthorizer({ secret: async () => secret, log }),
  };
}

/** A running local gateway. */
export interface LocalGateway {
  url: string;
  /** Where quotes come from, safe to print: the upstream's URL redacted, or the bus's (credentials masked). */
  upstreamUrl: string;
  /** End open streams with `shutdown`, then close the server and the simulator. */
  close(): Promise<void>;
}

/** What the stand-in runs: a tagged handler, and how to end its open streams. */
interface LoadedHandler {
  handler: unknown;
  shutdownStreams?: () => Promise<void>;
}

/** Bundles imported so far (see {@link importBundle}). */
const importedBundles = new Set<string>();

/**
 * Import a built bundle as Lambda does a cold start: its handler module reads process.env when it
 * loads, so `env` is set there for the import and restored after it. Node evaluates a module once per
 * process, so a second import of the same file could not see a new `env`: it is refused instead.
 */
async function importBundle(path: string, env: Env): Promise<LoadedHandler> {
  const href = pathToFileURL(resolve(path)).href;
  if (importedBundles.has(href)) {
    throw new Error(`${path} is already loaded in this process; copy it to a new path to load it again`);
  }
  const saved = new Map(Object.keys(env).map((key) => [key, process.env[key]]));
  const apply = (values: Iterable<[string, string | undefined]>): void => {
    for (const [key, value] of values) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  apply(Object.entries(env));
  try {
    const loaded = (await import(href)) as LoadedHandler;
    // Only a bundle that loaded counts: after a failed cold start the same path may be tried again.
    importedBundles.add(href);
    return loaded;
  } finally {
    apply(saved);
  }
}

/** Start the simulator (if needed), build or load the handler and serve it. */
export async function startLocalGateway(options: LocalGatewayOptions): Promise<LocalGateway> {
  const parsed = options.config ?? loadConfig(options.env, FEEDS);
  const log =
    options.writeLog === undefined
      ? silentLogger
      : createJsonLogger({ level: parsed.logLevel, write: options.writeLog });
  // With BUS_URL the ingest holds the upstream: no embedded simulator.
  const simulator =
    parsed.upstreamUrl !== undefined || parsed.bus !== undefined
      ? undefined
      : await startSimulator({
          host: '127.0.0.1',
          port: 0,
          profile: options.simulator?.profile,
          seed: options.simulator?.seed,
          unlisted: options.simulator?.unlisted,
        });
  const upstreamUrl = parsed.upstreamUrl ?? simulator?.url;
  const config = { ...parsed, upstreamUrl };
  // Safe to print either way: a vendor URL may carry a key (userinfo or query), a bus URL a password.
  const source = parsed.bus === undefined ? redactUrl(upstreamUrl as string) : describeBusTarget(parsed.bus);
  try {
    installAwsLambdaGlobal();
    let loaded: LoadedHandler;
    if (options.bundlePath !== undefined) {
      loaded = await importBundle(options.bundlePath, { ...options.env, UPSTREAM_URL: upstreamUrl });
    } else {
      // One hub per local gateway: every stream it serves shares one upstream connection.
      const hub = await processHub(config, log);
      const streams = createStreamHandler({
        config,
        log,
        openFeed: () => hub.openFeed,
        tracer: createStreamTracer({ log, env: options.env }),
      });
      loaded = {
        handler: awslambda.streamifyResponse(streams.handle),
        shutdownStreams: async () => {
          await streams.shutdown();
          hub.close();
        },
      };
    }
    const server = await startLocalServer({
      handler: loaded.handler,
      functionTimeoutS: options.functionTimeoutS,
      log,
      host: options.host,
      port: options.port,
      fallback: options.fallback,
      ...withGatewayOrigin(options.api ?? readDeployedApi(resolve(PROJECT_ROOT, 'serverless.yml')), config),
      preflight: streamPreflight(config),
      maxConcurrentInvocations: options.maxStreams ?? DEFAULT_MAX_STREAMS,
      noDelay: options.tcpNoDelay ?? true,
      ...(options.authSecret === undefined ? {} : { authorizer: localAuthorizer(options.authSecret, log) }),
    });
    let closing: Promise<void> | undefined;
    return {
      url: server.url,
      upstreamUrl: source,
      close: () =>
        (closing ??= (async () => {
          // Refuse new streams first, so none opens after the others were told to end.
          server.stopAccepting();
          await loaded.shutdownStreams?.();
          await server.close();
          await simulator?.close();
        })()),
    };
  } catch (error) {
    await simulator?.close();
    throw error;
  }
}
