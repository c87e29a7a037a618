import { describe, expect, it } from 'vitest';
import {
  loadConfig,
  parseConfig,
  readIntVariable,
  type Env,
  type FeedDescription,
} from '../../../core/config.ts';
import { ConfigError, type ConfigIssue } from '../../../core/errors.ts';

const FEEDS: readonly FeedDescription[] = [
  { name: 'native', credentialNames: [] },
  { name: 'polygon', defaultUrl: 'wss://socket.polygon.example/stocks', credentialNames: [] },
  { name: 'keyed', defaultUrl: 'wss://keyed.example/ws', credentialNames: ['KEYED_ID', 'KEYED_SECRET'] },
];

function issuesOf(env: Env): ConfigIssue[] {
  const result = parseConfig(env, FEEDS);
  if (result.ok) throw new Error('expected the configuration to be refused');
  return result.issues;
}

describe('parseConfig', () => {
  it("uses every default from the contract's table for an empty environment", () => {
    const result = parseConfig({}, FEEDS);

    expect(result).toEqual({
      ok: true,
      config: {
        upstreamUrl: undefined,
        feed: 'native',
        credentials: {},
        throttleMs: 250,
        heartbeatMs: 15_000,
        retryMs: 1_000,
        deadlineMarginMs: 10_000,
        maxSymbols: 50,
        upstreamMaxAttempts: 5,
        upstreamLingerMs: 5_000,
        corsOrigins: '*',
        logLevel: 'info',
      },
    });
  });

  it('treats blank values as unset', () => {
    const env = { THROTTLE_MS: '  ', FEED: '', UPSTREAM_URL: ' ', CORS_ORIGINS: '', LOG_LEVEL: '' };

    const result = parseConfig(env, FEEDS);

    expect(result.ok && result.config).toMatchObject({ throttleMs: 250, feed: 'native', corsOrigins: '*' });
  });

  it('reads every variable it knows', () => {
    const env = {
      UPSTREAM_URL: 'wss://feed.example.com/v1',
      FEED: 'polygon',
      THROTTLE_MS: '20',
      HEARTBEAT_MS: '50',
      RETRY_MS: '0',
      DEADLINE_MARGIN_MS: '2000',
      MAX_SYMBOLS: '3',
      UPSTREAM_MAX_ATTEMPTS: '7',
      UPSTREAM_LINGER_MS: '0',
      CORS_ORIGINS: 'https://app.example.com',
      LOG_LEVEL: 'DEBUG',
    };

    const result = parseConfig(env, FEEDS);

    expect(result).toEqual({
      ok: true,
      config: {
        upstreamUrl: 'wss://feed.example.com/v1',
        feed: 'polygon',
        credentials: {},
        throttleMs: 20,
        heartbeatMs: 50,
        retryMs: 0,
        deadlineMarginMs: 2000,
        maxSymbols: 3,
        upstreamMaxAttempts: 7,
        upstreamLingerMs: 0,
        corsOrigins: ['https://app.example.com'],
        logLevel: 'debug',
      },
    });
  });

  it('returns a frozen config', () => {
    const result = parseConfig({ CORS_ORIGINS: 'https://a.example.com' }, FEEDS);

    if (!result.ok) throw new Error('expected ok');
    expect(Object.isFrozen(result.config)).toBe(true);
    expect(Object.isFrozen(result.config.corsOrigins)).toBe(true);
  });

  describe.each([
    ['THROTTLE_MS', 0, 60_000],
    ['HEARTBEAT_MS', 10, 290_000],
    ['RETRY_MS', 0, 600_000],
    ['DEADLINE_MARGIN_MS', 10, 300_000],
    ['MAX_SYMBOLS', 1, 500],
    ['UPSTREAM_MAX_ATTEMPTS', 1, 1_000],
    ['UPSTREAM_LINGER_MS', 0, 600_000],
  ])('%s', (variable, min, max) => {
    it.each([String(min), String(max)])('accepts the edge %s', (value) => {
      const result = parseConfig({ [variable]: value }, FEEDS);

      expect(result.ok).toBe(true);
    });

    it.each([String(min - 1), String(max + 1), 'abc', '1.5', '1e3', '0x10', '12ms'])(
      'reports %j with its name and the allowed range',
      (value) => {
        const issues = issuesOf({ [variable]: value });

        expect(issues).toEqual([{ variable, value, expected: `an integer from ${min} to ${max}` }]);
      },
    );
  });

  it('reports several bad variables at once', () => {
    const env = {
      THROTTLE_MS: '-1',
      HEARTBEAT_MS: 'soon',
      MAX_SYMBOLS: '0',
      FEED: 'bloomberg',
      UPSTREAM_URL: 'http://feed.example.com',
      CORS_ORIGINS: 'app.example.com',
      LOG_LEVEL: 'loud',
    };

    const issues = issuesOf(env);

    expect(issues.map((issue) => issue.variable).sort()).toEqual(
      [
        'CORS_ORIGINS',
        'FEED',
        'HEARTBEAT_MS',
        'LOG_LEVEL',
        'MAX_SYMBOLS',
        'THROTTLE_MS',
        'UPSTREAM_URL',
      ].sort(),
    );
  });

  it('reports an unknown FEED with the known names', () => {
    const issues = issuesOf({ FEED: 'bloomberg' });

    expect(issues).toEqual([
      { variable: 'FEED', value: 'bloomberg', expected: 'one of native, polygon, keyed' },
    ]);
  });

  it.each([
    ['http://feed.example.com', 'http://feed.example.com/'],
    ['ftp://feed.example.com', 'ftp://feed.example.com/'],
    ['feed.example.com', '[unparsable URL]'],
    ['ws://', '[unparsable URL]'],
    ['not a url', '[unparsable URL]'],
  ])('reports the UPSTREAM_URL %j as %j', (raw, value) => {
    const issues = issuesOf({ UPSTREAM_URL: raw });

    expect(issues).toEqual([{ variable: 'UPSTREAM_URL', value, expected: 'a ws:// or wss:// URL' }]);
  });

  /*
   * Regression (security review L1): a fragment passed validation, then ws threw "The URL contains a
   * fragment identifier" on every dial, so every stream ended `internal_error` at once.
   */
  it.each([
    ['wss://feed.example.com/v1#live', 'wss://feed.example.com/v1'],
    ['wss://feed.example.com/v1?key=K3Y#', 'wss://feed.example.com/v1?key=***'],
  ])('refuses the UPSTREAM_URL %j with a fragment, naming the fragment', (raw, value) => {
    const issues = issuesOf({ UPSTREAM_URL: raw });

    expect(issues).toEqual([
      {
        variable: 'UPSTREAM_URL',
        value,
        expected: 'a ws:// or wss:// URL without a #fragment (WebSocket URLs cannot have one)',
      },
    ]);
  });

  /*
   * Regression (security review M3): a mistyped scheme made the cold start's ConfigError carry the
   * whole URL, vendor key included, into the init-error log.
   */
  it('never echoes the userinfo or a query value of a refused UPSTREAM_URL', () => {
    const env = { UPSTREAM_URL: 'https://alice:PASSW0RD@feed.example.com/v2?token=S3CRET&symbols=AAPL' };

    const issues = issuesOf(env);
    const message = (() => {
      try {
        loadConfig(env, FEEDS);
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();

    expect(issues[0]?.value).toBe('https://***@feed.example.com/v2?token=***&symbols=***');
    for (const secret of ['alice', 'PASSW0RD', 'S3CRET']) {
      expect(message).not.toContain(secret);
      expect(JSON.stringify(issues)).not.toContain(secret);
    }
  });

  it('does not echo an unparsable UPSTREAM_URL, which may hold a key anywhere', () => {
    const issues = issuesOf({ UPSTREAM_URL: 'wss//feed.example.com?token=S3CRET' });

    expect(issues[0]?.value).toBe('[unparsable URL]');
  });

  it.each([
    ['FEED', 'wss://feed.example.com/?token=S3CRET', 'wss://feed.example.com/?token=***'],
    ['MAX_SYMBOLS', 'https://k:S3CRET@x.example', 'https://***@x.example/'],
    ['LOG_LEVEL', 'wss://x.example/#S3CRET', 'wss://x.example/'],
    ['CORS_ORIGINS', 'https://a.example?S=S3CRET', 'https://a.example/?S=***'],
  ])('shows a URL pasted into %s redacted', (variable, raw, value) => {
    const issues = issuesOf({ [variable]: raw });

    expect(issues).toEqual([expect.objectContaining({ variable, value })]);
  });

  it.each(['ws://127.0.0.1:8080', 'wss://feed.example.com/v1?key=x', 'wss://u:p@[::1]:9/%23?a=b'])(
    'accepts the UPSTREAM_URL %j',
    (value) => {
      const result = parseConfig({ UPSTREAM_URL: value }, FEEDS);

      expect(result.ok && result.config.upstreamUrl).toBe(value);
    },
  );

  it('reads CORS_ORIGINS as a trimmed comma-separated list without trailing slashes', () => {
    const env = { CORS_ORIGINS: ' https://app.example.com/ , http://localhost:3000,https://b.example.com' };

    const result = parseConfig(env, FEEDS);

    expect(result.ok && result.config.corsOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:3000',
      'https://b.example.com',
    ]);
  });

  it('reads CORS_ORIGINS * as any origin', () => {
    const result = parseConfig({ CORS_ORIGINS: ' * ' }, FEEDS);

    expect(result.ok && result.config.corsOrigins).toBe('*');
  });

  it.each([
    'app.example.com',
    'https://app.example.com/path',
    'https://a.example.com,*',
    'https://a.example.com,,',
  ])('reports the CORS_ORIGINS %j', (value) => {
    const issues = issuesOf({ CORS_ORIGINS: value });

    expect(issues).toEqual([
      {
        variable: 'CORS_ORIGINS',
        value,
        expected: "'*' or comma-separated origins like https://app.example.com",
      },
    ]);
  });

  it('reports an unknown LOG_LEVEL with the allowed levels', () => {
    const issues = issuesOf({ LOG_LEVEL: 'loud' });

    expect(issues).toEqual([
      { variable: 'LOG_LEVEL', value: 'loud', expected: 'one of debug, info, warn, error' },
    ]);
  });
});

describe('loadConfig', () => {
  it('returns the config when every variable is good', () => {
    const config = loadConfig({ THROTTLE_MS: '100' }, FEEDS);

    expect(config.throttleMs).toBe(100);
  });

  it('throws one ConfigError naming every bad variable', () => {
    const load = (): unknown => loadConfig({ THROTTLE_MS: '-1', RETRY_MS: 'x' }, FEEDS);

    expect(load).toThrow(ConfigError);
    expect(load).toThrow(
      'Invalid configuration:\n' +
        '  THROTTLE_MS="-1": expected an integer from 0 to 60000\n' +
        '  RETRY_MS="x": expected an integer from 0 to 600000',
    );
  });
});

describe('readIntVariable', () => {
  it('trims the value and returns the default after reporting a bad one', () => {
    const rule = { variable: 'PORT', defaultValue: 3000, min: 0, max: 65_535 };
    const issues: ConfigIssue[] = [];

    const good = readIntVariable({ PORT: ' 8080 ' }, rule, issues);
    const bad = readIntVariable({ PORT: '70000' }, rule, issues);

    expect(good).toBe(8080);
    expect(bad).toBe(3000);
    expect(issues).toEqual([{ variable: 'PORT', value: '70000', expected: 'an integer from 0 to 65535' }]);
  });
});

describe('parseConfig: a vendor feed', () => {
  it("dials the feed's default URL when UPSTREAM_URL is unset, and UPSTREAM_URL when set", () => {
    const byDefault = parseConfig({ FEED: 'polygon' }, FEEDS);
    const overridden = parseConfig({ FEED: 'polygon', UPSTREAM_URL: 'ws://127.0.0.1:9000' }, FEEDS);

    expect(byDefault.ok && byDefault.config.upstreamUrl).toBe('wss://socket.polygon.example/stocks');
    expect(overridden.ok && overridden.config.upstreamUrl).toBe('ws://127.0.0.1:9000');
  });

  it('reads the credentials the feed names from the environment, trimmed', () => {
    const result = parseConfig(
      { FEED: 'keyed', KEYED_ID: ' test-key-id ', KEYED_SECRET: 'test-secret' },
      FEEDS,
    );

    expect(result.ok && { ...result.config.credentials }).toEqual({
      KEYED_ID: 'test-key-id',
      KEYED_SECRET: 'test-secret',
    });
  });

  it('lists every missing credential by name in one issue, with no value', () => {
    const issues = issuesOf({ FEED: 'keyed', KEYED_SECRET: 'test-secret' });

    expect(issues).toEqual([
      {
        variable: 'KEYED_ID',
        value: '',
        expected: 'set: FEED=keyed needs KEYED_ID, KEYED_SECRET (vendor credentials; never printed)',
      },
    ]);
    expect(issuesOf({ FEED: 'keyed', KEYED_ID: ' ' })[0]?.variable).toBe('KEYED_ID, KEYED_SECRET');
  });

  it('never shows a credential value when the Config is logged or inspected', async () => {
    const { inspect } = await import('node:util');
    const config = loadConfig({ FEED: 'keyed', KEYED_ID: 'test-key-id', KEYED_SECRET: 'test-secret' }, FEEDS);

    for (const shown of [
      JSON.stringify(config),
      inspect(config, { depth: 5 }),
      JSON.stringify({ ...config }),
    ]) {
      expect(shown).not.toContain('test-key-id');
      expect(shown).not.toContain('test-secret');
      expect(shown).toContain('KEYED_ID');
    }
    expect(Object.isFrozen(config.credentials)).toBe(true);
  });
});
