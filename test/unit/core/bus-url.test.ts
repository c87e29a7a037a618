import { describe, expect, it } from 'vitest';
import { describeBusTarget, parseBusUrl } from '../../../core/bus-url.ts';
import { parseConfig } from '../../../core/config.ts';
/** core/ takes feed descriptions, not feeds/: the native feed's is all these tests need. */
const NATIVE_ONLY = [{ name: 'native', credentialNames: [] }];

describe('parseBusUrl', () => {
  it('reads a single server, with TLS, credentials and a database', () => {
    expect(parseBusUrl('redis://127.0.0.1:6380')).toEqual({
      ok: true,
      target: { cluster: false, tls: false, nodes: [{ host: '127.0.0.1', port: 6380 }] },
    });
    expect(parseBusUrl('rediss://default:p%40ss@cache.example.com/2')).toEqual({
      ok: true,
      target: {
        cluster: false,
        tls: true,
        nodes: [{ host: 'cache.example.com', port: 6379 }],
        username: 'default',
        password: 'p@ss',
        db: 2,
      },
    });
    expect(parseBusUrl('redis://:only-password@[::1]:7000')).toMatchObject({
      ok: true,
      target: { nodes: [{ host: '::1', port: 7000 }], password: 'only-password' },
    });
  });

  it('reads a cluster seeded by several nodes', () => {
    expect(parseBusUrl('redis+cluster://a:7001,b:7002')).toEqual({
      ok: true,
      target: {
        cluster: true,
        tls: false,
        nodes: [
          { host: 'a', port: 7001 },
          { host: 'b', port: 7002 },
        ],
      },
    });
    expect(parseBusUrl('rediss+cluster://serverless.cache.amazonaws.com:6379')).toMatchObject({
      ok: true,
      target: { cluster: true, tls: true },
    });
  });

  it.each([
    ['http://host:6379', /redis:\/\//],
    ['redis:/host', /redis:\/\//],
    ['redis://a:1,b:2', /several nodes need redis\+cluster/],
    ['redis://host:70000', /redis:\/\//],
    ['redis://host:1?x=1', /without \? or #/],
    ['redis://host:1/abc', /database number/],
    ['redis+cluster://host:1/0', /database number/],
    ['redis://u:%zz@host:1', /%-escapes/],
    ['redis://', /redis:\/\//],
  ])('refuses %s', (raw, expected) => {
    const parsed = parseBusUrl(raw);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.expected).toMatch(expected);
  });

  it('describes a target without its credentials', () => {
    const parsed = parseBusUrl('rediss://user:s3cret@[::1]:7000/3');
    expect(parsed.ok && describeBusTarget(parsed.target)).toBe('rediss://***@[::1]:7000/3');
    const cluster = parseBusUrl('redis+cluster://a:1,b:2');
    expect(cluster.ok && describeBusTarget(cluster.target)).toBe('redis+cluster://a:1,b:2');
  });
});

describe('BUS_URL in the configuration', () => {
  it('is unset by default and parsed when given', () => {
    const none = parseConfig({}, NATIVE_ONLY);
    expect(none.ok && none.config.bus).toBeUndefined();
    const set = parseConfig({ BUS_URL: ' redis://127.0.0.1:6379 ' }, NATIVE_ONLY);
    expect(set.ok && set.config.bus).toMatchObject({ nodes: [{ host: '127.0.0.1', port: 6379 }] });
  });

  it('reports a bad one with every other bad variable, never showing its password', () => {
    const parsed = parseConfig({ BUS_URL: 'redis://user:s3cret@a:1,b:2', THROTTLE_MS: '-1' }, NATIVE_ONLY);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.issues.map((issue) => issue.variable).sort()).toEqual(['BUS_URL', 'THROTTLE_MS']);
    expect(JSON.stringify(parsed.issues)).not.toContain('s3cret');
  });
});
