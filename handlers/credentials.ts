/**
 * Where a vendor feed's credentials come from on Lambda: SSM Parameter Store SecureStrings named
 * `CREDENTIALS_SSM_PREFIX` + the variable's name (`/quote-stream/prod/credentials/ALPACA_KEY_ID`),
 * read at cold start through the Powertools Parameters utility (handlers/ssm.ts, cached). The
 * values then live only in Parameter Store and in the process's memory: never in the template, the
 * function's environment or a log line (issue #10). Locally (no prefix) they come from the environment.
 * @see docs/decisions/013-feed-adapters.md
 */
import type { Env } from '../core/config.ts';
import { ConfigError, type ConfigIssue } from '../core/errors.ts';
import type { ParameterReader } from './ssm.ts';

/**
 * The environment with each of `names` read from the parameter `CREDENTIALS_SSM_PREFIX` + name, or
 * `env` itself when the prefix is unset or there is nothing to read. Every unreadable or empty
 * parameter is reported at once, by its parameter name; a value is never put in an error.
 * @throws ConfigError naming every parameter that could not be read or is empty.
 */
export async function resolveCredentials(
  env: Env,
  names: readonly string[],
  readParameter: ParameterReader,
): Promise<Env> {
  const prefix = env.CREDENTIALS_SSM_PREFIX?.trim();
  if (!prefix || names.length === 0) return env;
  const issues: ConfigIssue[] = [];
  const causes: unknown[] = [];
  const values = await Promise.all(
    names.map(async (name) => {
      const parameter = `${prefix}${name}`;
      try {
        const value = (await readParameter(parameter))?.trim();
        if (value) return [name, value] as const;
        issues.push({ variable: name, value: parameter, expected: 'an SSM SecureString that is not empty' });
      } catch (error) {
        causes.push(error);
        issues.push({
          variable: name,
          value: parameter,
          expected: 'a readable SSM SecureString parameter (it could not be read; see the cause)',
        });
      }
      return undefined;
    }),
  );
  if (issues.length > 0) {
    throw new ConfigError(issues, causes.length > 0 ? { cause: causes[0] } : undefined);
  }
  return { ...env, ...Object.fromEntries(values.filter((entry) => entry !== undefined)) };
}
