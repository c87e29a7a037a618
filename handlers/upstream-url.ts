/**
 * Where the upstream URL comes from on Lambda: `UPSTREAM_URL` itself, or, when `UPSTREAM_URL_PARAMETER`
 * names an SSM parameter, that parameter's decrypted value, read once at cold start. A vendor URL that
 * carries a key then lives only in Parameter Store (a SecureString) and in the process's memory, never
 * in the template or the function's environment (issue #11, defect 12).
 * @see docs/decisions/010-access.md
 */
import type { Env } from '../core/config.ts';
import { ConfigError } from '../core/errors.ts';
import type { ParameterReader } from './ssm.ts';

/**
 * The environment with `UPSTREAM_URL` taken from the parameter `UPSTREAM_URL_PARAMETER` names, or `env`
 * itself when that is unset. The value is never put in an error message: it may hold a key.
 * @throws ConfigError when both variables are set, or the parameter cannot be read or is empty.
 */
export async function resolveUpstreamUrl(env: Env, readParameter: ParameterReader): Promise<Env> {
  const name = env.UPSTREAM_URL_PARAMETER;
  if (name === undefined || name === '') return env;
  if (env.UPSTREAM_URL !== undefined && env.UPSTREAM_URL !== '') {
    throw new ConfigError([
      {
        variable: 'UPSTREAM_URL_PARAMETER',
        value: name,
        expected: 'unset when UPSTREAM_URL is set: set one of them, not both',
      },
    ]);
  }
  let url: string | undefined;
  try {
    url = await readParameter(name);
  } catch (error) {
    throw new ConfigError(
      [
        {
          variable: 'UPSTREAM_URL_PARAMETER',
          value: name,
          expected: 'the name of a readable SSM parameter (it could not be read; see the cause)',
        },
      ],
      { cause: error },
    );
  }
  if (url === undefined || url.trim() === '') {
    throw new ConfigError([
      {
        variable: 'UPSTREAM_URL_PARAMETER',
        value: name,
        expected: 'an SSM parameter holding a ws:// or wss:// URL (it is empty)',
      },
    ]);
  }
  return { ...env, UPSTREAM_URL: url.trim() };
}
