/**
 * The local runtime's own settings (PORT, FUNCTION_TIMEOUT_S), validated the same way as the
 * gateway's so that one start-up error lists every bad variable.
 * @see docs/CONTRACT.md §2 Configuration
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { readIntVariable, type Env } from '../core/config.ts';
import type { ConfigIssue } from '../core/errors.ts';

/** What the local runtime needs beyond the gateway's Config. */
export interface LocalSettings {
  port: number;
  functionTimeoutS: number;
}

/** Used when serverless.yml has no numeric `functions.stream.timeout`. */
export const FALLBACK_FUNCTION_TIMEOUT_S = 300;
/** [aws] Lambda's maximum function timeout. */
const MAX_FUNCTION_TIMEOUT_S = 900;

/** The `stream` function's timeout in serverless.yml, so local runs rotate like the deployed stage. */
export function readDeployedTimeoutS(serverlessYmlPath: string): number {
  try {
    const doc = parse(readFileSync(serverlessYmlPath, 'utf8')) as {
      functions?: { stream?: { timeout?: unknown } };
    };
    const timeout = doc.functions?.stream?.timeout;
    return typeof timeout === 'number' && timeout > 0 && timeout <= MAX_FUNCTION_TIMEOUT_S
      ? timeout
      : FALLBACK_FUNCTION_TIMEOUT_S;
  } catch {
    return FALLBACK_FUNCTION_TIMEOUT_S; // no serverless.yml yet (or unreadable): the documented fallback
  }
}

/** Validate PORT and FUNCTION_TIMEOUT_S; issues are appended to `issues`. */
export function parseLocalSettings(env: Env, defaultTimeoutS: number, issues: ConfigIssue[]): LocalSettings {
  return {
    port: readIntVariable(env, { variable: 'PORT', defaultValue: 3000, min: 0, max: 65_535 }, issues),
    functionTimeoutS: readIntVariable(
      env,
      { variable: 'FUNCTION_TIMEOUT_S', defaultValue: defaultTimeoutS, min: 1, max: MAX_FUNCTION_TIMEOUT_S },
      issues,
    ),
  };
}
