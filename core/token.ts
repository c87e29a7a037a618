/**
 * Access tokens: a JWT in the `token` query parameter, signed HS256 with a shared secret, naming who
 * holds it (`sub`), until when (`exp`) and optionally which symbols it may stream (`symbols`).
 * Verification answers a value, never an exception, whatever string arrives: the token is untrusted
 * input straight from a URL.
 * @see docs/CONTRACT.md §2 Request (Auth)
 * @see docs/decisions/010-access.md
 */
import { SignJWT, errors, jwtVerify } from 'jose';
import { isValidSymbol, upperAscii } from './symbols.ts';

/**
 * Shortest accepted secret, in characters. [spec] RFC 7518 §3.2: "A key of the same size as the hash
 * output (for instance, 256 bits for "HS256") or larger MUST be used with this algorithm"; 32
 * characters are at least 256 bits.
 */
export const MIN_SECRET_LENGTH = 32;

/**
 * How far a token's `exp` may lie in the past and still pass, in seconds: room for clocks that
 * disagree a little between the machine that minted it and the one that checks it, and no more.
 * [spec] RFC 7519 §4.1.4 allows "some small leeway, usually no more than a few minutes".
 */
export const CLOCK_TOLERANCE_S = 30;

/**
 * Longest token worth verifying, in characters. A token of ours with 50 symbols is about 1 KB; the
 * bound keeps the work spent on a hostile query string small and fixed.
 */
export const MAX_TOKEN_LENGTH = 4096;

/**
 * Longest lifetime a token may claim, in seconds: a token whose `exp` lies further ahead was not
 * minted by us (`npm run token` caps `--ttl` at this), so it is refused rather than trusted for years.
 */
export const MAX_TOKEN_LIFETIME_S = 7 * 86_400;

/** Longest `sub`, in characters: it becomes the authorizer's principalId and appears in logs. */
export const MAX_SUB_LENGTH = 256;

/** The only algorithm signed and accepted. */
const ALGORITHM = 'HS256';

/** What a verified token says. */
export interface TokenClaims {
  /** Who holds the token (a user or client id); logged, never the token itself. */
  sub: string;
  /** Expiry, in epoch seconds ([spec] RFC 7519 §4.1.4 NumericDate). */
  exp: number;
  /** The symbols this token may stream, upper-cased; absent = every symbol. */
  symbols?: string[];
}

/** The outcome of checking a token: its claims, or why it was refused. */
export type TokenCheck =
  { ok: true; claims: TokenClaims } | { ok: false; reason: 'missing' | 'invalid' | 'expired' };

/** What a new token carries and how long it lives. */
export interface MintOptions {
  sub: string;
  /** Lifetime in seconds from `nowMs`. */
  ttlS: number;
  /** The allowed symbols (any case); absent = every symbol. */
  symbols?: readonly string[];
  secret: string;
  /** @defaultValue Date.now() */
  nowMs?: number;
}

function keyOf(secret: string): Uint8Array {
  if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
    throw new TypeError(`The token secret must be at least ${MIN_SECRET_LENGTH} characters long`);
  }
  return new TextEncoder().encode(secret);
}

/**
 * The `symbols` claim as a de-duplicated, upper-cased list, or undefined when it is not one. An empty
 * list is refused: it would read as "every symbol" once joined into the authorizer's context string.
 */
function readSymbolsClaim(claim: unknown): string[] | undefined {
  if (!Array.isArray(claim) || claim.length === 0) return undefined;
  const symbols = new Set<string>();
  for (const item of claim) {
    if (typeof item !== 'string') return undefined;
    const symbol = upperAscii(item);
    if (!isValidSymbol(symbol)) return undefined;
    symbols.add(symbol);
  }
  return [...symbols];
}

/**
 * Check a token against the secret: signature (HS256 only), `exp` (with {@link CLOCK_TOLERANCE_S}),
 * `sub` and the optional `symbols`. Never throws for any token; throws a TypeError only for a secret
 * shorter than {@link MIN_SECRET_LENGTH}, which is a deployment mistake, not a request's.
 */
export async function verifyToken(
  token: string | undefined,
  secret: string,
  nowMs: number = Date.now(),
): Promise<TokenCheck> {
  const key = keyOf(secret);
  if (token === undefined || token === '') return { ok: false, reason: 'missing' };
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'invalid' };
  let payload: Record<string, unknown>;
  try {
    // [spec] RFC 8725 §3.1: accept only the algorithm we sign with, so `alg: none` and an RS256 token
    // "verified" with our secret as a public key are both refused.
    ({ payload } = await jwtVerify(token, key, {
      algorithms: [ALGORITHM],
      requiredClaims: ['sub', 'exp'],
      clockTolerance: CLOCK_TOLERANCE_S,
      currentDate: new Date(nowMs),
    }));
  } catch (error) {
    // jose checks the signature before the claims, so "expired" is only ever said of a genuine token.
    return { ok: false, reason: error instanceof errors.JWTExpired ? 'expired' : 'invalid' };
  }
  const { sub, exp } = payload;
  if (typeof sub !== 'string' || sub === '' || sub.length > MAX_SUB_LENGTH || typeof exp !== 'number')
    return { ok: false, reason: 'invalid' };
  if (exp > nowMs / 1000 + MAX_TOKEN_LIFETIME_S + CLOCK_TOLERANCE_S) return { ok: false, reason: 'invalid' };
  if (payload.symbols === undefined) return { ok: true, claims: { sub, exp } };
  const symbols = readSymbolsClaim(payload.symbols);
  if (symbols === undefined) return { ok: false, reason: 'invalid' };
  return { ok: true, claims: { sub, exp, symbols } };
}

/**
 * Sign a token for `sub` that expires `ttlS` seconds from now. Throws a TypeError for an empty `sub`,
 * a `ttlS` that is not a positive integer, a symbol outside the contract's grammar, an empty
 * `symbols` list, or a short secret: a minted token is always one that {@link verifyToken} accepts.
 */
export async function mintToken(options: MintOptions): Promise<string> {
  const { sub, ttlS, symbols, secret, nowMs = Date.now() } = options;
  const key = keyOf(secret);
  if (typeof sub !== 'string' || sub === '' || sub.length > MAX_SUB_LENGTH) {
    throw new TypeError(`sub must be a non-empty string of at most ${MAX_SUB_LENGTH} characters`);
  }
  if (!Number.isSafeInteger(ttlS) || ttlS <= 0 || ttlS > MAX_TOKEN_LIFETIME_S) {
    throw new TypeError(`ttlS must be a whole number of seconds from 1 to ${MAX_TOKEN_LIFETIME_S}`);
  }
  const claims: Record<string, unknown> = {};
  if (symbols !== undefined) {
    const allowed = readSymbolsClaim(symbols);
    if (allowed === undefined) {
      throw new TypeError('symbols must be a non-empty list of valid symbols (e.g. AAPL, BRK.B, BTC-USD)');
    }
    claims.symbols = allowed;
  }
  const iat = Math.floor(nowMs / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlS)
    .sign(key);
}
