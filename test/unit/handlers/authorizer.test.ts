import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../../core/errors.ts';
import { createJsonLogger } from '../../../core/log.ts';
import { MIN_SECRET_LENGTH, mintToken } from '../../../core/token.ts';
import {
  AUTH_SECRET_MAX_AGE_S,
  createAuthorizer,
  handler,
  ssmSecret,
  STALE_SECRET_GRACE_MS,
  startAuthorizer,
} from '../../../handlers/authorizer.ts';

const getParameter = vi.hoisted(() =>
  vi.fn<(name: string, options: unknown) => Promise<string | undefined>>(),
);
// The Lambda `handler` reads its secret through Powertools; no AWS call leaves the test.
vi.mock('@aws-lambda-powertools/parameters/ssm', () => ({ getParameter }));

const SECRET = 'authorizer-test-secret-0123456789abcdef';
const NOW_MS = 1_732_280_000_000;
const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/stream';

/** A REQUEST authorizer event for GET /stream as API Gateway sends it; `query` is the single-value map. */
function makeEvent(query: Record<string, string> | null): APIGatewayRequestAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn: METHOD_ARN,
    resource: '/stream',
    path: '/stream',
    httpMethod: 'GET',
    headers: {},
    multiValueHeaders: {},
    pathParameters: null,
    queryStringParameters: query,
    multiValueQueryStringParameters:
      query && Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]])),
    stageVariables: null,
    requestContext: { requestId: 'req-1' } as APIGatewayRequestAuthorizerEvent['requestContext'],
  };
}

function setup(options: { secret?: () => Promise<string> } = {}) {
  const lines: string[] = [];
  const log = createJsonLogger({ level: 'debug', write: (line) => lines.push(line) });
  const authorize = createAuthorizer({
    secret: options.secret ?? (async () => SECRET),
    log,
    now: () => NOW_MS,
  });
  const logged = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { authorize, lines, logged };
}

const mint = (extra: { symbols?: string[]; ttlS?: number; secret?: string } = {}) =>
  mintToken({
    sub: 'alice',
    ttlS: extra.ttlS ?? 600,
    symbols: extra.symbols,
    secret: extra.secret ?? SECRET,
    nowMs: NOW_MS,
  });

const allow = (principalId: string, context: Record<string, string>): APIGatewayAuthorizerResult => ({
  principalId,
  policyDocument: {
    Version: '2012-10-17',
    Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: METHOD_ARN }],
  },
  context,
});

describe('createAuthorizer', () => {
  it('allows a good token for the method, passing sub and the allowed symbols on', async () => {
    const { authorize } = setup();
    const token = await mint({ symbols: ['aapl', 'MSFT'] });

    const result = await authorize(makeEvent({ symbols: 'AAPL', token }));

    expect(result).toEqual(allow('alice', { sub: 'alice', symbols: 'AAPL,MSFT' }));
  });

  it("passes symbols '*' when the token allows every symbol (never '' or nothing, which allow none)", async () => {
    const { authorize } = setup();

    const result = await authorize(makeEvent({ symbols: 'AAPL', token: await mint() }));

    expect(result).toEqual(allow('alice', { sub: 'alice', symbols: '*' }));
  });

  it.each([
    ['no query string at all', null],
    ['no token parameter', { symbols: 'AAPL' }],
    ['an empty token', { symbols: 'AAPL', token: '' }],
  ])("throws Error('Unauthorized') for %s (API Gateway's 401)", async (_name, query) => {
    const { authorize, logged } = setup();

    await expect(authorize(makeEvent(query))).rejects.toThrow(new Error('Unauthorized'));
    expect(logged()).toEqual([
      expect.objectContaining({
        msg: 'access refused',
        code: 'missing_token',
        statusCode: 401,
        requestId: 'req-1',
      }),
    ]);
  });

  it.each([
    ['signed with another secret', () => mint({ secret: 'x'.repeat(MIN_SECRET_LENGTH) }), 'invalid'],
    ['expired an hour ago', () => mint({ ttlS: 1 }), 'expired', 3_600_000],
    ['not a JWT', async () => 'not-a-token', 'invalid'],
  ])(
    'denies a token %s (API Gateway answers 403) and logs why',
    async (_name, makeToken, reason, laterMs = 0) => {
      const lines: string[] = [];
      const authorize = createAuthorizer({
        secret: async () => SECRET,
        log: createJsonLogger({ write: (line) => lines.push(line) }),
        now: () => NOW_MS + laterMs,
      });

      const result = await authorize(makeEvent({ symbols: 'AAPL', token: await makeToken() }));

      expect(result.policyDocument.Statement).toEqual([
        { Action: 'execute-api:Invoke', Effect: 'Deny', Resource: METHOD_ARN },
      ]);
      expect(result.principalId).toBe('unauthorized');
      expect(result.context).toBeUndefined();
      expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
        msg: 'access refused',
        code: 'invalid_token',
        reason,
        statusCode: 403,
      });
    },
  );

  it('never logs the token, only the sub, whatever the answer', async () => {
    const { authorize, lines, logged } = setup();
    const good = await mint({ symbols: ['AAPL'] });
    const forged = await mint({ secret: 'y'.repeat(MIN_SECRET_LENGTH) });

    await authorize(makeEvent({ symbols: 'AAPL', token: good }));
    await authorize(makeEvent({ symbols: 'AAPL', token: forged }));

    expect(logged()).toEqual([
      expect.objectContaining({ msg: 'access granted', sub: 'alice', allowedSymbolCount: 1 }),
      expect.objectContaining({ msg: 'access refused', code: 'invalid_token' }),
    ]);
    for (const token of [good, forged]) {
      for (const part of token.split('.')) expect(lines.join('\n')).not.toContain(part);
    }
  });

  it('rejects with the secret source failure (API Gateway answers 500) and logs it without the token', async () => {
    const failure = new ConfigError([
      { variable: 'AUTH_SECRET_PARAMETER', value: '/qs/secret', expected: 'x' },
    ]);
    const { authorize, lines, logged } = setup({ secret: () => Promise.reject(failure) });
    const token = await mint();

    await expect(authorize(makeEvent({ symbols: 'AAPL', token }))).rejects.toBe(failure);
    expect(logged()).toEqual([
      expect.objectContaining({
        level: 'error',
        msg: 'authorizer secret unavailable',
        code: 'invalid_config',
      }),
    ]);
    expect(lines.join('\n')).not.toContain(token);
  });

  it('reads the secret on every request, so a rotated one takes effect', async () => {
    let secret = SECRET;
    const { authorize } = setup({ secret: async () => secret });
    const token = await mint();

    const before = await authorize(makeEvent({ token }));
    secret = 'rotated-secret-0123456789abcdefghijklmn';
    const after = await authorize(makeEvent({ token }));

    expect(before.policyDocument.Statement[0]).toMatchObject({ Effect: 'Allow' });
    expect(after.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny' });
  });
});

describe('ssmSecret', () => {
  it('returns the parameter value', async () => {
    const read = vi.fn(async () => SECRET);

    const secret = ssmSecret('/qs/prod/auth-secret', read);

    await expect(secret()).resolves.toBe(SECRET);
    expect(read).toHaveBeenCalledWith('/qs/prod/auth-secret');
  });

  it.each([
    ['missing', undefined, 'it holds 0 characters'],
    ['too short', 'short-secret', 'it holds 12 characters'],
  ])(
    'refuses a %s value with a ConfigError naming the parameter, never the value',
    async (_n, value, problem) => {
      const secret = ssmSecret('/qs/prod/auth-secret', async () => value);

      const error = (await secret().catch((e: unknown) => e)) as ConfigError;

      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toContain('AUTH_SECRET_PARAMETER="/qs/prod/auth-secret"');
      expect(error.message).toContain(problem);
      expect(error.message).not.toContain('short-secret');
    },
  );

  it('refuses an unreadable parameter with a ConfigError carrying the cause', async () => {
    const cause = new Error('ParameterNotFound');
    const secret = ssmSecret('/qs/prod/auth-secret', () => Promise.reject(cause));

    const error = (await secret().catch((e: unknown) => e)) as ConfigError;

    expect(error).toBeInstanceOf(ConfigError);
    expect(error.cause).toBe(cause);
  });

  it('serves the last good secret while SSM cannot be read, for STALE_SECRET_GRACE_MS and no longer', async () => {
    let clock = 0;
    let outage: Error | undefined = undefined;
    const stale: number[] = [];
    const secret = ssmSecret(
      '/qs/prod/auth-secret',
      async () => {
        if (outage !== undefined) throw outage;
        return SECRET;
      },
      { now: () => clock, onStale: (_error, ageMs) => stale.push(ageMs) },
    );
    await secret();

    outage = new Error('ThrottlingException');
    clock = STALE_SECRET_GRACE_MS;
    const during = await secret();
    clock = STALE_SECRET_GRACE_MS + 1;
    const after = (await secret().catch((e: unknown) => e)) as ConfigError;

    expect(during).toBe(SECRET);
    expect(stale).toEqual([STALE_SECRET_GRACE_MS]);
    expect(after).toBeInstanceOf(ConfigError);
    expect(after.cause).toBe(outage);
  });

  it('never serves a stale secret over a value that is too short (a rotation gone wrong)', async () => {
    let value: string | undefined = SECRET;
    const secret = ssmSecret('/qs/prod/auth-secret', async () => value, { now: () => 0 });
    await secret();

    value = 'short';

    await expect(secret()).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('startAuthorizer', () => {
  const log = createJsonLogger({ write: () => {} });

  it.each([
    ['unset', {}],
    ['blank', { AUTH_SECRET_PARAMETER: ' ' }],
  ])('refuses to start when AUTH_SECRET_PARAMETER is %s', async (_name, env) => {
    const read = vi.fn(async () => SECRET);

    const starting = startAuthorizer({ env, readParameter: read, log });

    await expect(starting).rejects.toThrow(ConfigError);
    await expect(starting).rejects.toThrow(
      /AUTH_SECRET_PARAMETER="[ ]?": expected the name of the SSM parameter/,
    );
    expect(read).not.toHaveBeenCalled();
  });

  it('refuses to start when the secret is shorter than MIN_SECRET_LENGTH', async () => {
    const env = { AUTH_SECRET_PARAMETER: '/qs/auth' };

    const starting = startAuthorizer({
      env,
      readParameter: async () => 'x'.repeat(MIN_SECRET_LENGTH - 1),
      log,
    });

    await expect(starting).rejects.toThrow(/at least 32 characters \(it holds 31 characters\)/);
  });

  it('starts with a good secret and checks tokens against it', async () => {
    const authorize = await startAuthorizer({
      env: { AUTH_SECRET_PARAMETER: '/qs/auth' },
      readParameter: async () => SECRET,
      log,
    });

    const result = await authorize(
      makeEvent({ token: await mintToken({ sub: 'bob', ttlS: 60, secret: SECRET }) }),
    );

    expect(result.principalId).toBe('bob');
  });
});

describe('handler (the Lambda entry)', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    getParameter.mockReset();
  });

  it('refuses without AUTH_SECRET_PARAMETER, then reads the secret through Powertools once it is set', async () => {
    vi.stubEnv('AUTH_SECRET_PARAMETER', '');
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    getParameter.mockResolvedValue(SECRET);
    const token = await mintToken({ sub: 'carol', ttlS: 60, secret: SECRET });

    await expect(handler(makeEvent({ token }))).rejects.toThrow(ConfigError);
    vi.stubEnv('AUTH_SECRET_PARAMETER', '/qs/test/auth-secret');
    const result = await handler(makeEvent({ token }));

    expect(result.principalId).toBe('carol');
    expect(getParameter).toHaveBeenCalledWith('/qs/test/auth-secret', {
      decrypt: true,
      maxAge: AUTH_SECRET_MAX_AGE_S,
    });
  });
});
