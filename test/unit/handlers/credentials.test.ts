import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../core/errors.ts';
import { resolveCredentials } from '../../../handlers/credentials.ts';

const NAMES = ['ALPACA_KEY_ID', 'ALPACA_SECRET_KEY'];
const PREFIX = '/quote-stream/test/credentials/';

/** A parameter store in memory; records every name read. */
function store(values: Record<string, string | Error>) {
  const reads: string[] = [];
  return {
    reads,
    read: async (name: string) => {
      reads.push(name);
      const value = values[name];
      if (value instanceof Error) throw value;
      return value;
    },
  };
}

describe('resolveCredentials', () => {
  it('reads each credential from the parameter named prefix + variable, into the environment it returns', async () => {
    const ssm = store({
      [`${PREFIX}ALPACA_KEY_ID`]: 'test-key-id',
      [`${PREFIX}ALPACA_SECRET_KEY`]: ' test-secret\n',
    });
    const env = { FEED: 'alpaca', CREDENTIALS_SSM_PREFIX: PREFIX };

    const resolved = await resolveCredentials(env, NAMES, ssm.read);

    expect(resolved).toEqual({ ...env, ALPACA_KEY_ID: 'test-key-id', ALPACA_SECRET_KEY: 'test-secret' });
    expect(ssm.reads.sort()).toEqual([`${PREFIX}ALPACA_KEY_ID`, `${PREFIX}ALPACA_SECRET_KEY`]);
  });

  it('reads the same parameters whether the prefix ends in a slash or not', async () => {
    const ssm = store({ [`${PREFIX}ALPACA_KEY_ID`]: 'id', [`${PREFIX}ALPACA_SECRET_KEY`]: 'secret' });

    await resolveCredentials({ CREDENTIALS_SSM_PREFIX: PREFIX.slice(0, -1) }, NAMES, ssm.read);

    expect(ssm.reads.sort()).toEqual([`${PREFIX}ALPACA_KEY_ID`, `${PREFIX}ALPACA_SECRET_KEY`]);
  });

  it('reads nothing without a prefix (local runs) or for a feed without credentials', async () => {
    const ssm = store({});
    const env = { FEED: 'alpaca', ALPACA_KEY_ID: 'from-env' };

    expect(await resolveCredentials(env, NAMES, ssm.read)).toBe(env);
    const withPrefix = { FEED: 'native', CREDENTIALS_SSM_PREFIX: PREFIX };
    expect(await resolveCredentials(withPrefix, [], ssm.read)).toBe(withPrefix);
    expect(ssm.reads).toEqual([]);
  });

  it('names every unreadable or empty parameter at once, never a value, and keeps the cause', async () => {
    const denied = new Error('AccessDeniedException');
    const ssm = store({ [`${PREFIX}ALPACA_KEY_ID`]: denied, [`${PREFIX}ALPACA_SECRET_KEY`]: '  ' });

    const error = await resolveCredentials({ CREDENTIALS_SSM_PREFIX: PREFIX }, NAMES, ssm.read).catch(
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((issue) => [issue.variable, issue.value])).toEqual([
      ['ALPACA_KEY_ID', `${PREFIX}ALPACA_KEY_ID`],
      ['ALPACA_SECRET_KEY', `${PREFIX}ALPACA_SECRET_KEY`],
    ]);
    expect((error as ConfigError).cause).toBe(denied);
  });
});
