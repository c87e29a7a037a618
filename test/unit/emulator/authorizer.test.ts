import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../core/log.ts';
import { authorize, type LocalAuthorizer } from '../../../emulator/apigw/authorizer.ts';
import { buildRestEvent } from '../../../emulator/apigw/event.ts';

function eventFor(query: string) {
  const req = {
    rawHeaders: ['Origin', 'https://a.example'],
    method: 'GET',
    httpVersion: '1.1',
    headers: {},
    socket: { remoteAddress: '127.0.0.1' },
  };
  return buildRestEvent(req, new URL(`http://localhost/stream${query}`), '/stream');
}

function policy(
  effect: 'Allow' | 'Deny',
  resource: string | string[],
  extra: Partial<APIGatewayAuthorizerResult> = {},
) {
  return {
    principalId: 'alice',
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }],
    },
    ...extra,
  } satisfies APIGatewayAuthorizerResult;
}

function authorizerOf(run: LocalAuthorizer['run'], identityQueryParameter = 'token'): LocalAuthorizer {
  return { identityQueryParameter, run: vi.fn(run) };
}

describe('authorize', () => {
  it.each(['?symbols=AAPL', '?symbols=AAPL&token=', '?symbols=AAPL&Token=abc'])(
    'answers 401 without calling the authorizer when the identity source is missing or empty (%s)',
    async (query) => {
      const authorizer = authorizerOf(async () => policy('Allow', '*'));

      const outcome = await authorize(authorizer, eventFor(query), silentLogger);

      expect(outcome).toEqual({ kind: 'unauthorized' });
      expect(authorizer.run).not.toHaveBeenCalled();
    },
  );

  it('does not mistake an Object.prototype member for the identity source', async () => {
    const authorizer = authorizerOf(async () => policy('Allow', '*'), 'constructor');

    expect(await authorize(authorizer, eventFor('?symbols=A'), silentLogger)).toEqual({
      kind: 'unauthorized',
    });
  });

  it('hands the authorizer a REQUEST event with the query, headers and the method ARN', async () => {
    const authorizer = authorizerOf(async () => policy('Allow', '*'));

    await authorize(authorizer, eventFor('?symbols=AAPL&token=abc'), silentLogger);

    const event = vi.mocked(authorizer.run).mock.calls[0]?.[0] as APIGatewayRequestAuthorizerEvent;
    expect(event.type).toBe('REQUEST');
    expect(event.methodArn).toBe('arn:aws:execute-api:local:000000000000:local/local/GET/stream');
    expect(event.queryStringParameters).toEqual({ symbols: 'AAPL', token: 'abc' });
    expect(event.headers?.Origin).toBe('https://a.example');
  });

  it("answers 401 when the authorizer fails with 'Unauthorized', 500 for any other failure", async () => {
    const unauthorized = authorizerOf(async () => Promise.reject(new Error('Unauthorized')));
    const broken = authorizerOf(async () => Promise.reject(new Error('secret unavailable')));

    expect(await authorize(unauthorized, eventFor('?token=t'), silentLogger)).toEqual({
      kind: 'unauthorized',
    });
    expect(await authorize(broken, eventFor('?token=t'), silentLogger)).toEqual({ kind: 'failed' });
  });

  it('answers 500 for a result without principalId or policy', async () => {
    const malformed = authorizerOf(
      async () => ({ principalId: 'x' }) as unknown as APIGatewayAuthorizerResult,
    );

    expect(await authorize(malformed, eventFor('?token=t'), silentLogger)).toEqual({ kind: 'failed' });
  });

  it.each([
    ['an explicit Deny', policy('Deny', '*'), { kind: 'denied', explicit: true }],
    [
      'an Allow for another method',
      policy('Allow', 'arn:aws:execute-api:*:*:*/*/POST/*'),
      { kind: 'denied', explicit: false },
    ],
    [
      'a Deny beside an Allow',
      {
        principalId: 'a',
        policyDocument: {
          Version: '2012-10-17',
          Statement: [
            { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: '*' },
            {
              Action: 'execute-api:*',
              Effect: 'Deny',
              Resource: ['arn:aws:execute-api:local:*:local/*/GET/stream'],
            },
          ],
        },
      },
      { kind: 'denied', explicit: true },
    ],
  ])('answers 403 for %s', async (_name, result, expected) => {
    const authorizer = authorizerOf(async () => result as APIGatewayAuthorizerResult);

    expect(await authorize(authorizer, eventFor('?token=t'), silentLogger)).toEqual(expected);
  });

  it('lets an allowed request on with principalId and the context for requestContext.authorizer', async () => {
    const authorizer = authorizerOf(async (event) =>
      policy('Allow', event.methodArn, { context: { sub: 'alice', symbols: 'AAPL,MSFT' } }),
    );

    const outcome = await authorize(authorizer, eventFor('?symbols=AAPL&token=t'), silentLogger);

    expect(outcome).toEqual({
      kind: 'allow',
      authorizer: {
        sub: 'alice',
        symbols: 'AAPL,MSFT',
        principalId: 'alice',
        integrationLatency: expect.any(Number),
      },
    });
  });
});
