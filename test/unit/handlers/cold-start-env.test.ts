import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../core/config.ts';
import { FEEDS } from '../../../feeds/registry.ts';
import { resolveColdStartEnv } from '../../../handlers/cold-start-env.ts';

const PREFIX = '/quote-stream/test/credentials/';
/** What serverless.yml gave the stream function before scale-out dropped the credentials prefix. */
const DEPLOYED = {
  FEED: 'alpaca',
  UPSTREAM_URL_PARAMETER: '/quote-stream/test/upstream-url',
  CREDENTIALS_SSM_PREFIX: PREFIX,
};

/** A parameter store in memory; records every name read. */
function store(values: Record<string, string>) {
  const reads: string[] = [];
  return {
    reads,
    read: async (name: string) => {
      reads.push(name);
      return values[name];
    },
  };
}

describe('resolveColdStartEnv', () => {
  it('reads the upstream URL and the feed’s credentials from SSM without BUS_URL', async () => {
    const ssm = store({
      '/quote-stream/test/upstream-url': 'wss://stream.example.com/v2/iex',
      [`${PREFIX}ALPACA_KEY_ID`]: 'test-key-id',
      [`${PREFIX}ALPACA_SECRET_KEY`]: 'test-secret',
    });

    const env = await resolveColdStartEnv(DEPLOYED, ssm.read);

    expect(env).toMatchObject({
      UPSTREAM_URL: 'wss://stream.example.com/v2/iex',
      ALPACA_KEY_ID: 'test-key-id',
      ALPACA_SECRET_KEY: 'test-secret',
    });
    expect(ssm.reads.sort()).toEqual(
      ['/quote-stream/test/upstream-url', `${PREFIX}ALPACA_KEY_ID`, `${PREFIX}ALPACA_SECRET_KEY`].sort(),
    );
  });

  it('reads no parameter with BUS_URL, and the gateway starts without vendor keys', async () => {
    const ssm = store({});
    const busEnv = { ...DEPLOYED, BUS_URL: 'rediss+cluster://cache.example:6379' };

    const env = await resolveColdStartEnv(busEnv, ssm.read);

    expect(ssm.reads).toEqual([]);
    expect(env).toBe(busEnv);
    const config = loadConfig(env, FEEDS);
    expect(config.bus).toMatchObject({ cluster: true, tls: true });
    expect({ ...config.credentials }).toEqual({});
  });

  it('still reads them when BUS_URL is blank', async () => {
    const ssm = store({
      '/quote-stream/test/upstream-url': 'wss://x.example',
      [`${PREFIX}ALPACA_KEY_ID`]: 'a',
    });

    await expect(resolveColdStartEnv({ ...DEPLOYED, BUS_URL: ' ' }, ssm.read)).rejects.toThrow(
      /ALPACA_SECRET_KEY/,
    );
    expect(ssm.reads).toContain('/quote-stream/test/upstream-url');
  });
});
