/**
 * Start the local gateway (local runtime + the handler module Lambda runs) on 127.0.0.1:0 for a test,
 * with the embedded simulator unless an UPSTREAM_URL is given. Closed automatically after the test.
 */
import { onTestFinished } from 'vitest';
import { startLocalGateway, type LocalGateway } from '../../dev/gateway.ts';

/** Options of {@link startGateway}. */
export interface TestGatewayOptions {
  /** Gateway variables (CONTRACT table); LOG_LEVEL defaults to `error` to keep test output quiet. */
  env?: Record<string, string>;
  /** A bundle instead of handlers/stream.ts. */
  handlerPath?: string;
  /** @defaultValue 60 */
  functionTimeoutS?: number;
  staticDir?: string;
  /** Register cleanup with onTestFinished (off when called from beforeAll). @defaultValue true */
  autoClose?: boolean;
}

/** A gateway for one test. */
export async function startGateway(options: TestGatewayOptions = {}): Promise<LocalGateway> {
  const gateway = await startLocalGateway({
    env: { LOG_LEVEL: 'error', ...options.env },
    functionTimeoutS: options.functionTimeoutS ?? 60,
    handlerPath: options.handlerPath,
    staticDir: options.staticDir,
    simulator: { profile: 'busy', seed: 7 },
  });
  if (options.autoClose ?? true) onTestFinished(() => gateway.close());
  return gateway;
}
