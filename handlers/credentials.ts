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
  const folder = env.CREDENTIALS_SSM_PREFIX?.trim();
  if (!folder || names.length === 0) return env;
  // A folder with or without its final slash names the same parameters: never `credentials//NAME`.
  const prefix = folder.endsWith('/') ? folder : `${folder}/`;
  const results = await Promise.all(
    names.map(
      async (name): Promise<{ name: string; value?: string; issue?: ConfigIssue; cause?: unknown }> => {
        const parameter = `${prefix}${name}`;
        try {
          const value = (await readParameter(parameter))?.trim();
          if (value) return { name, value };
          return {
            name,
            issue: { variable: name, value: parameter, expected: 'an SSM SecureString that is not empty' },
          };
        } catch (cause) {
          const expected = 'a readable SSM SecureString parameter (it could not be read; see the cause)';
          return { name, issue: { variable: name, value: parameter, expected }, cause };
        }
      },
    ),
  );
  // In the order of `names`, whatever order the reads finished in.
  const issues = results.flatMap((result) => (result.issue === undefined ? [] : [result.issue]));
  const cause = results.find((result) => result.cause !== undefined)?.cause;
  if (issues.length > 0) throw new ConfigError(issues, cause === undefined ? undefined : { cause });
  const values = results.flatMap((result) =>
    result.value === undefined ? [] : [[result.name, result.value]],
  );
  return { ...env, ...Object.fromEntries(values) };
}
