/**
 * Start the local gateway (the streaming handler under the local runtime) on 127.0.0.1:0 for a test,
 * with the embedded simulator unless an UPSTREAM_URL is given. Closed automatically after the test.
 * Its JSON log lines are recorded in `logs`, never printed.
 */
import { onTestFinished } from 'vitest';
import { startLocalGateway, type LocalGateway } from '../../dev/gateway.ts';
import { staticFallback } from '../../dev/static.ts';

/** One JSON log line of the gateway, parsed. */
export type LogLine = Record<string, unknown>;

export interface TestGatewayOptions {
  /** Gateway variables (docs/CONTRACT.md §2 Configuration); LOG_LEVEL defaults to `error`. */
  env?: Record<string, string>;
  /**
   * A bundle instead of the handler built from source. A bundle logs to stdout itself, as on Lambda,
   * so keep its LOG_LEVEL at `error` to keep the test quiet.
   */
  handlerPath?: string;
  /** @defaultValue 60 */
  functionTimeoutS?: number;
  /** A folder served at `/` (the dashboard build), as `npm start` serves it. */
  staticDir?: string;
  /** Register cleanup with onTestFinished (off when called from beforeAll). @defaultValue true */
  autoClose?: boolean;
  /** AUTH_SECRET as dev/settings.ts validates it: tokens are required when set. @defaultValue unset */
  authSecret?: string;
  /** MAX_STREAMS. @defaultValue 5000 */
  maxStreams?: number;
  /** Symbols the embedded simulator does not list (SIMULATOR_UNLISTED). @defaultValue none */
  simulatorUnlisted?: string[];
}

/** A running gateway and the log lines it has written so far. */
export interface TestGateway extends LocalGateway {
  readonly logs: LogLine[];
}

/** A gateway for one test. */
export async function startGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const logs: LogLine[] = [];
  const gateway = await startLocalGateway({
    env: { LOG_LEVEL: 'error', ...options.env },
    functionTimeoutS: options.functionTimeoutS ?? 60,
    bundlePath: options.handlerPath,
    fallback: options.staticDir === undefined ? undefined : staticFallback(options.staticDir),
    simulator: { profile: 'busy', seed: 7, unlisted: options.simulatorUnlisted },
    writeLog: (line) => logs.push(JSON.parse(line) as LogLine),
    authSecret: options.authSecret,
    maxStreams: options.maxStreams,
  });
  if (options.autoClose ?? true) onTestFinished(() => gateway.close());
  return { ...gateway, logs };
}
