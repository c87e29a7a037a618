import { describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../../core/errors.ts';
import { resolveUpstreamUrl } from '../../../handlers/upstream-url.ts';

const SECRET_URL = 'wss://feed.example.com/ws?apiKey=s3cr3t-vendor-key';

describe('resolveUpstreamUrl', () => {
  it('returns the environment as it is without UPSTREAM_URL_PARAMETER, reading nothing', async () => {
    const env = { UPSTREAM_URL: 'ws://127.0.0.1:8080' };
    const read = vi.fn(async () => SECRET_URL);

    const resolved = await resolveUpstreamUrl(env, read);

    expect(resolved).toBe(env);
    expect(read).not.toHaveBeenCalled();
  });

  it('takes UPSTREAM_URL from the named parameter, trimmed', async () => {
    const read = vi.fn(async () => ` ${SECRET_URL}\n`);

    const resolved = await resolveUpstreamUrl(
      { UPSTREAM_URL_PARAMETER: '/qs/prod/upstream-url', FEED: 'native' },
      read,
    );

    expect(resolved).toEqual({
      UPSTREAM_URL_PARAMETER: '/qs/prod/upstream-url',
      FEED: 'native',
      UPSTREAM_URL: SECRET_URL,
    });
    expect(read).toHaveBeenCalledWith('/qs/prod/upstream-url');
  });

  it('treats an empty UPSTREAM_URL as unset', async () => {
    const resolved = await resolveUpstreamUrl(
      { UPSTREAM_URL: '', UPSTREAM_URL_PARAMETER: '/qs/url' },
      async () => SECRET_URL,
    );

    expect(resolved.UPSTREAM_URL).toBe(SECRET_URL);
  });

  it('refuses both variables at once, naming them', async () => {
    const resolving = resolveUpstreamUrl(
      { UPSTREAM_URL: 'ws://127.0.0.1:8080', UPSTREAM_URL_PARAMETER: '/qs/url' },
      async () => SECRET_URL,
    );

    await expect(resolving).rejects.toThrow(ConfigError);
    await expect(resolving).rejects.toThrow(
      /UPSTREAM_URL_PARAMETER="\/qs\/url": expected unset when UPSTREAM_URL is set/,
    );
  });

  it.each([
    ['has no value', undefined],
    ['is blank', '  '],
  ])('refuses a parameter that %s', async (_name, value) => {
    const resolving = resolveUpstreamUrl({ UPSTREAM_URL_PARAMETER: '/qs/url' }, async () => value);

    await expect(resolving).rejects.toThrow(
      /UPSTREAM_URL_PARAMETER="\/qs\/url": expected an SSM parameter holding a ws/,
    );
  });

  it('refuses an unreadable parameter with the read failure as cause', async () => {
    const cause = new Error('AccessDeniedException');

    const error = await resolveUpstreamUrl({ UPSTREAM_URL_PARAMETER: '/qs/url' }, () =>
      Promise.reject(cause),
    ).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).cause).toBe(cause);
    expect((error as ConfigError).message).toContain('could not be read');
  });
});
