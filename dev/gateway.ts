/**
 * Compose the local stack: the embedded simulator (unless an upstream URL is given), the `awslambda`
 * global, the very handler module Lambda runs (source or bundle), and the local server. Used by
 * `npm start` and by the integration tests, so both exercise the same wiring.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Env } from '../core/config.ts';
import { silentLogger, type Logger } from '../core/log.ts';
import type { ProfileName } from '../simulator/profiles.ts';
import { startSimulator } from '../simulator/server.ts';
import { installAwsLambdaGlobal } from '../emulator/lambda/runtime.ts';
import { startLocalServer } from '../emulator/apigw/server.ts';

/** The project's root folder. */
export const PROJECT_ROOT = resolve(import.meta.dirname, '..');
/** The handler module Lambda runs, as source. */
export const HANDLER_SOURCE = resolve(PROJECT_ROOT, 'handlers/stream.ts');

/** Options of {@link startLocalGateway}. */
export interface LocalGatewayOptions {
  /** Gateway configuration (CONTRACT table) as the handler will read it from process.env. */
  env: Env;
  functionTimeoutS: number;
  port?: number;
  host?: string;
  /** Handler module path: the source by default, or a bundle from `npm run build`. */
  handlerPath?: string;
  staticDir?: string;
  /** Embedded simulator settings, used when env has no UPSTREAM_URL. */
  simulator?: { profile?: ProfileName; seed?: number };
  log?: Logger;
}

/** A running local gateway. */
export interface LocalGateway {
  url: string;
  upstreamUrl: string;
  /** End open streams with `shutdown`, then close the server and the simulator. */
  close(): Promise<void>;
}

/** The handler module's exports that the local runtime uses. */
interface HandlerModule {
  handler: unknown;
  shutdownStreams?: () => Promise<void>;
}

let instance = 0;

/**
 * Import a fresh instance of the handler module with `env` applied to process.env for the duration
 * of its cold start (the handler reads its configuration once, at import, like on Lambda).
 */
async function importHandler(path: string, env: Env): Promise<HandlerModule> {
  installAwsLambdaGlobal();
  const saved = new Map(Object.keys(env).map((key) => [key, process.env[key]]));
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  try {
    instance += 1;
    return (await import(`${pathToFileURL(path).href}?instance=${instance}`)) as HandlerModule;
  } finally {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/** Start the simulator (if needed), load the handler and serve it. */
export async function startLocalGateway(options: LocalGatewayOptions): Promise<LocalGateway> {
  const log = options.log ?? silentLogger;
  const simulator = options.env.UPSTREAM_URL
    ? undefined
    : await startSimulator({
        host: '127.0.0.1',
        port: 0,
        profile: options.simulator?.profile,
        seed: options.simulator?.seed,
      });
  const upstreamUrl = options.env.UPSTREAM_URL ?? (simulator as { url: string }).url;
  try {
    const module = await importHandler(options.handlerPath ?? HANDLER_SOURCE, {
      ...options.env,
      UPSTREAM_URL: upstreamUrl,
    });
    const server = await startLocalServer({
      handler: module.handler,
      functionTimeoutS: options.functionTimeoutS,
      log,
      host: options.host,
      port: options.port,
      staticDir: options.staticDir,
    });
    let closing: Promise<void> | undefined;
    return {
      url: server.url,
      upstreamUrl,
      close: () =>
        (closing ??= (async () => {
          // Refuse new streams first, so none opens after the others were told to end.
          server.stopAccepting();
          await module.shutdownStreams?.();
          await server.close();
          await simulator?.close();
        })()),
    };
  } catch (error) {
    await simulator?.close();
    throw error;
  }
}
