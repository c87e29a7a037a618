import fc from 'fast-check';
import { SignJWT, base64url, decodeJwt, decodeProtectedHeader, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  CLOCK_TOLERANCE_S,
  MAX_SUB_LENGTH,
  MAX_TOKEN_LENGTH,
  MAX_TOKEN_LIFETIME_S,
  MIN_SECRET_LENGTH,
  mintToken,
  verifyToken,
} from '../../../core/token.ts';

const SECRET = 'test-secret-0123456789abcdefghijklmnop';
const OTHER_SECRET = 'another-secret-0123456789abcdefghijkl';
const NOW_MS = 1_732_280_000_000;
const NOW_S = NOW_MS / 1000;
const key = (secret: string): Uint8Array => new TextEncoder().encode(secret);

/** Sign any claims with any HMAC algorithm, bypassing mintToken's checks, to forge bad tokens. */
function sign(claims: Record<string, unknown>, options: { alg?: string; secret?: string } = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: options.alg ?? 'HS256' })
    .sign(key(options.secret ?? SECRET));
}

const encodeJson = (value: unknown): string => base64url.encode(JSON.stringify(value));

describe('verifyToken', () => {
  it('accepts a minted token and returns its claims', async () => {
    const token = await mintToken({ sub: 'alice', ttlS: 3600, secret: SECRET, nowMs: NOW_MS });

    const check = await verifyToken(token, SECRET, NOW_MS);

    expect(check).toEqual({ ok: true, claims: { sub: 'alice', exp: NOW_S + 3600 } });
  });

  it('returns the symbols claim upper-cased and de-duplicated', async () => {
    const token = await sign({ sub: 'bob', exp: NOW_S + 60, symbols: ['aapl', 'BRK.b', 'AAPL'] });

    const check = await verifyToken(token, SECRET, NOW_MS);

    expect(check).toEqual({ ok: true, claims: { sub: 'bob', exp: NOW_S + 60, symbols: ['AAPL', 'BRK.B'] } });
  });

  it.each([
    ['undefined', undefined],
    ['an empty string', ''],
  ])('calls %s missing', async (_name, token) => {
    expect(await verifyToken(token, SECRET, NOW_MS)).toEqual({ ok: false, reason: 'missing' });
  });

  it('calls a token expired once exp lies more than the clock tolerance in the past', async () => {
    const token = await sign({ sub: 'alice', exp: NOW_S - CLOCK_TOLERANCE_S - 1 });

    expect(await verifyToken(token, SECRET, NOW_MS)).toEqual({ ok: false, reason: 'expired' });
  });

  it('accepts a token whose exp lies within the clock tolerance in the past', async () => {
    const token = await sign({ sub: 'alice', exp: NOW_S - CLOCK_TOLERANCE_S + 1 });

    expect(await verifyToken(token, SECRET, NOW_MS)).toMatchObject({ ok: true });
  });

  it('calls an expired token signed with another secret invalid, not expired', async () => {
    const token = await sign({ sub: 'alice', exp: NOW_S - 3600 }, { secret: OTHER_SECRET });

    expect(await verifyToken(token, SECRET, NOW_MS)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuses a token signed with another secret', async () => {
    const token = await mintToken({ sub: 'alice', ttlS: 60, secret: OTHER_SECRET, nowMs: NOW_MS });

    expect(await verifyToken(token, SECRET, NOW_MS)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuses alg none (an unsigned token)', async () => {
    // [spec] RFC 8725 §2.1: a verifier that trusts the header's alg accepts unsigned tokens.
    const token = `${encodeJson({ alg: 'none', typ: 'JWT' })}.${encodeJson({ sub: 'mallory', exp: NOW_S + 60 })}.`;

    expect(await verifyToken(token, SECRET, NOW_MS)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuses alg none with the signature of a genuine token pasted on', async () => {
    const genuine = await mintToken({ sub: 'alice', ttlS: 60, secret: SECRET, nowMs: NOW_MS });
    const [, payload, signature] = genuine.split('.');
    const token = `${encodeJson({ alg: 'none' })}.${payload}.${signature}`;

    expect(await verifyToken(token, SECRET, NOW_MS)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuses HS512 even when signed with the right secret', async () => {
    const token = await sign({ sub: 'alice', exp: NOW_S + 60 }, { alg: 'HS512' });

    expect(await verifyToken(token, SECRET, NOW_MS)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuses an RS256 token', async () => {
    // [spec] RFC 8725 §2.1 and §3.1: the algorithm is ours to choose, never the token's.
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT({ sub: 'mallory', exp: NOW_S + 60 })
      .setProtectedHeader({ alg: 'RS256' })
      .sign(privateKey);

    expect(await verifyToken(token, SECRET, NOW_MS)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuses a genuine token whose payload was changed', async () => {
    const genuine = await mintToken({
      sub: 'alice',
      ttlS: 60,
      symbols: ['AAPL'],
      secret: SECRET,
      nowMs: NOW_MS,
    });
    const [header, , signature] = genuine.split('.');
    const token = `${header}.${encodeJson({ sub: 'alice', exp: NOW_S + 60 })}.${signature}`;

    expect(await verifyToken(token, SECRET, NOW_MS)).toEqual({ ok: false, reason: 'invalid' });
  });

  it.each([
    ['no sub', { exp: NOW_S + 60 }],
    ['an empty sub', { sub: '', exp: NOW_S + 60 }],
    ['a numeric sub', { sub: 42, exp: NOW_S + 60 }],
    ['no exp', { sub: 'alice' }],
    ['a string exp', { sub: 'alice', exp: String(NOW_S + 60) }],
    ['a sub longer than MAX_SUB_LENGTH', { sub: 'a'.repeat(MAX_SUB_LENGTH + 1), exp: NOW_S + 60 }],
    // Signed with our secret but not by us: npm run token never mints one that lives this long.
    [
      'an exp further ahead than MAX_TOKEN_LIFETIME_S',
      { sub: 'alice', exp: NOW_S + MAX_TOKEN_LIFETIME_S + CLOCK_TOLERANCE_S + 1 },
    ],
    ['an exp ten years ahead', { sub: 'alice', exp: NOW_S + 10 * 365 * 86_400 }],
  ])('refuses a signed token with %s', async (_name, claims) => {
    const token = await sign(claims);

    expect(await verifyToken(token, SECRET, NOW_MS)).toEqual({ ok: false, reason: 'invalid' });
  });

  it.each([
    ['a string', 'AAPL'],
    ['an empty list', []],
    ['a number in the list', ['AAPL', 7]],
    ['a symbol outside the grammar', ['AAPL', 'BTC-']],
    ['a symbol that is too long', ['A'.repeat(21)]],
    ['null', null],
  ])('refuses a signed token whose symbols claim is %s', async (_name, symbols) => {
    const token = await sign({ sub: 'alice', exp: NOW_S + 60, symbols });

    expect(await verifyToken(token, SECRET, NOW_MS)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('accepts the longest lifetime and the longest sub it allows', async () => {
    const sub = 'a'.repeat(MAX_SUB_LENGTH);
    const token = await sign({ sub, exp: NOW_S + MAX_TOKEN_LIFETIME_S + CLOCK_TOLERANCE_S });

    expect(await verifyToken(token, SECRET, NOW_MS)).toMatchObject({ ok: true, claims: { sub } });
  });

  it('refuses a token longer than MAX_TOKEN_LENGTH without verifying it', async () => {
    const token = await sign({ sub: 'alice', exp: NOW_S + 60, pad: 'x'.repeat(MAX_TOKEN_LENGTH) });

    expect(await verifyToken(token, SECRET, NOW_MS)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('throws a TypeError for a secret shorter than MIN_SECRET_LENGTH', async () => {
    const short = 'x'.repeat(MIN_SECRET_LENGTH - 1);

    await expect(verifyToken('a.b.c', short, NOW_MS)).rejects.toThrow(TypeError);
    await expect(verifyToken('a.b.c', 'x'.repeat(MIN_SECRET_LENGTH), NOW_MS)).resolves.toMatchObject({
      ok: false,
    });
  });

  describe('with arbitrary input', () => {
    it('never throws and never verifies an arbitrary string', async () => {
      await fc.assert(
        fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 300 }), async (token) => {
          const check = await verifyToken(token, SECRET, NOW_MS);

          expect(check.ok).toBe(false);
        }),
      );
    });

    it('never throws and never verifies three arbitrary base64url parts', async () => {
      const part = fc.string({ unit: fc.constantFrom(...'ABCxyz019-_'.split('')), maxLength: 60 });
      await fc.assert(
        fc.asyncProperty(part, part, part, async (a, b, c) => {
          const check = await verifyToken(`${a}.${b}.${c}`, SECRET, NOW_MS);

          expect(check.ok).toBe(false);
        }),
      );
    });

    it('never verifies a JSON header and payload of any shape with an arbitrary signature', async () => {
      await fc.assert(
        fc.asyncProperty(fc.jsonValue(), fc.jsonValue(), fc.string(), async (header, payload, signature) => {
          const token = `${encodeJson(header)}.${encodeJson(payload)}.${base64url.encode(signature)}`;

          const check = await verifyToken(token, SECRET, NOW_MS);

          expect(check.ok).toBe(false);
        }),
      );
    });
  });
});

describe('mintToken', () => {
  it('signs HS256 with typ JWT, sub, iat and exp from nowMs and ttlS', async () => {
    const token = await mintToken({ sub: 'alice', ttlS: 90, secret: SECRET, nowMs: NOW_MS + 999 });
    const header = decodeProtectedHeader(token);
    const payload = decodeJwt(token);

    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(payload).toEqual({ sub: 'alice', iat: NOW_S, exp: NOW_S + 90 });
  });

  it('stores the symbols upper-cased and de-duplicated', async () => {
    const token = await mintToken({
      sub: 'a',
      ttlS: 60,
      symbols: ['msft', 'MSFT', 'aapl'],
      secret: SECRET,
      nowMs: NOW_MS,
    });

    const check = await verifyToken(token, SECRET, NOW_MS);

    expect(check).toMatchObject({ ok: true, claims: { symbols: ['MSFT', 'AAPL'] } });
  });

  it.each([
    ['an empty sub', { sub: '' }, /sub/],
    ['a zero ttl', { ttlS: 0 }, /ttlS/],
    ['a fractional ttl', { ttlS: 1.5 }, /ttlS/],
    ['a ttl above MAX_TOKEN_LIFETIME_S', { ttlS: MAX_TOKEN_LIFETIME_S + 1 }, /ttlS/],
    ['a sub longer than MAX_SUB_LENGTH', { sub: 'a'.repeat(MAX_SUB_LENGTH + 1) }, /sub/],
    ['an empty symbols list', { symbols: [] }, /symbols/],
    ['an invalid symbol', { symbols: ['AAPL', 'A..B'] }, /symbols/],
    ['a short secret', { secret: 'short' }, /at least 32 characters/],
  ])('throws a TypeError for %s', async (_name, override, message) => {
    const options = { sub: 'alice', ttlS: 60, secret: SECRET, nowMs: NOW_MS, ...override };

    await expect(mintToken(options)).rejects.toThrow(TypeError);
    await expect(mintToken(options)).rejects.toThrow(message);
  });

  it('mints tokens that verify for any valid sub, lifetime and symbols', async () => {
    const symbol = fc.stringMatching(/^[A-Z0-9]{1,8}(?:[.-][A-Z0-9]{1,8})?$/);
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 86_400 }),
        fc.option(fc.uniqueArray(symbol, { minLength: 1, maxLength: 10 }), { nil: undefined }),
        async (sub, ttlS, symbols) => {
          const token = await mintToken({ sub, ttlS, symbols, secret: SECRET, nowMs: NOW_MS });

          const check = await verifyToken(token, SECRET, NOW_MS);

          expect(check).toEqual({
            ok: true,
            claims: symbols === undefined ? { sub, exp: NOW_S + ttlS } : { sub, exp: NOW_S + ttlS, symbols },
          });
        },
      ),
      { numRuns: 50 },
    );
  });
});
