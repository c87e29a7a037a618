import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { planStreamRequest } from '../../../core/request.ts';
import { parseSymbols } from '../../../core/symbols.ts';
import {
  STREAM_HEADERS,
  corsHeaders,
  readAllowedSymbols,
  readStreamRequest,
  rejectionResponse,
} from '../../../handlers/apigw.ts';

/** A REST proxy (payload v1) event for GET /stream, as API Gateway sends it; `overrides` win. */
function makeEvent(overrides: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
  return {
    resource: '/stream',
    path: '/stream',
    httpMethod: 'GET',
    headers: {},
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { requestId: 'req-1' } as APIGatewayProxyEvent['requestContext'],
    ...overrides,
  };
}

const SYMBOL_HINT =
  'A symbol is 1 to 20 letters or digits, optionally joined by one of . - / : = _ and optionally prefixed with ^ (e.g. AAPL, BRK.B, BTC-USD, ^GSPC).';

describe('readStreamRequest', () => {
  it('reads a single symbols value', () => {
    const event = makeEvent({ queryStringParameters: { symbols: 'AAPL,MSFT' } });

    const request = readStreamRequest(event);

    expect(request.symbolValues).toEqual(['AAPL,MSFT']);
  });

  it('takes every repeated value from the multi-value map, which wins over the single one', () => {
    // [aws] For ?symbols=AAPL&symbols=MSFT the single map keeps only the last value.
    const event = makeEvent({
      queryStringParameters: { symbols: 'MSFT' },
      multiValueQueryStringParameters: { symbols: ['AAPL', 'MSFT'] },
    });

    const request = readStreamRequest(event);

    expect(request.symbolValues).toEqual(['AAPL', 'MSFT']);
  });

  it('falls back to the single value when the multi-value list is empty', () => {
    const event = makeEvent({
      queryStringParameters: { symbols: 'AAPL' },
      multiValueQueryStringParameters: { symbols: [] },
    });

    const request = readStreamRequest(event);

    expect(request.symbolValues).toEqual(['AAPL']);
  });

  it('returns no values when symbols is absent', () => {
    const event = makeEvent({ queryStringParameters: { other: 'x' } });

    const request = readStreamRequest(event);

    expect(request.symbolValues).toEqual([]);
  });

  describe.each([
    ['Last-Event-ID', 'lastEventIdHeader', '1250'],
    ['Origin', 'origin', 'https://app.example.com'],
  ] as const)('the %s header', (name, field, value) => {
    it.each([name, name.toLowerCase(), name.toUpperCase()])('is found as %s in headers', (key) => {
      const event = makeEvent({ headers: { [key]: value } });

      const request = readStreamRequest(event);

      expect(request[field]).toBe(value);
    });

    it.each([name, name.toLowerCase(), name.toUpperCase()])(
      'is found as %s in multiValueHeaders, last value winning',
      (key) => {
        const event = makeEvent({ headers: {}, multiValueHeaders: { [key]: ['stale', value] } });

        const request = readStreamRequest(event);

        expect(request[field]).toBe(value);
      },
    );

    it('is undefined when neither map has it', () => {
      const event = makeEvent({ headers: null as never, multiValueHeaders: null as never });

      const request = readStreamRequest(event);

      expect(request[field]).toBeUndefined();
    });
  });
});

describe('readStreamRequest: the authorizer context', () => {
  const withAuthorizer = (authorizer: Record<string, unknown> | null | undefined) =>
    makeEvent({
      queryStringParameters: { symbols: 'AAPL', token: 'header.payload.signature' },
      requestContext: { requestId: 'req-1', authorizer } as APIGatewayProxyEvent['requestContext'],
    });

  it('reads the allowed symbols and the sub the authorizer passed on', () => {
    const request = readStreamRequest(
      withAuthorizer({ principalId: 'alice', sub: 'alice', symbols: 'AAPL,MSFT' }),
    );

    expect(request.allowedSymbols).toEqual(['AAPL', 'MSFT']);
    expect(request.sub).toBe('alice');
  });

  it('allows every symbol and knows no sub without an authorizer', () => {
    const request = readStreamRequest(withAuthorizer(undefined));

    expect(request.allowedSymbols).toBeUndefined();
    expect(request.sub).toBeUndefined();
  });

  it('never copies the token or the query string into the request', () => {
    const request = readStreamRequest(withAuthorizer({ sub: 'alice', symbols: '*' }));

    expect(JSON.stringify(request)).not.toContain('header.payload.signature');
    expect(JSON.stringify(request)).not.toContain('token');
  });
});

describe('readAllowedSymbols', () => {
  it.each([
    ['no authorizer (auth off)', undefined],
    ['a null authorizer', null],
    ['an authorizer object without a principalId (no authorizer ran)', {}],
    ["'*' (a token without a symbols claim)", { principalId: 'alice', symbols: '*' }],
  ])('allows every symbol for %s', (_name, authorizer) => {
    expect(readAllowedSymbols(authorizer)).toBeUndefined();
  });

  it('splits, trims and upper-cases the comma-separated list', () => {
    expect(readAllowedSymbols({ principalId: 'alice', symbols: 'aapl, BRK.b ,,MSFT' })).toEqual([
      'AAPL',
      'BRK.B',
      'MSFT',
    ]);
  });

  it.each([
    ['no symbols key', undefined],
    ['a null symbols value', null],
    ["''", ''],
    ['a number', 7],
    ['a boolean', true],
    ['an array', ['AAPL']],
    ['an object', { AAPL: true }],
  ])('allows nothing for %s once an authorizer ran, failing closed', (_name, symbols) => {
    expect(readAllowedSymbols({ principalId: 'alice', symbols })).toEqual([]);
  });
});

describe('corsHeaders', () => {
  it("allows any origin with '*' and adds no vary", () => {
    const headers = corsHeaders('https://evil.example.com', '*');

    expect(headers).toEqual({ 'access-control-allow-origin': '*' });
  });

  it('echoes a listed origin with vary: origin', () => {
    const headers = corsHeaders('https://b.example.com', ['https://a.example.com', 'https://b.example.com']);

    expect(headers).toEqual({ 'access-control-allow-origin': 'https://b.example.com', vary: 'origin' });
  });

  it.each([
    ['https://evil.example.com'],
    ['https://a.example.com.evil.com'],
    ['http://a.example.com'],
    [undefined],
  ])('gives the unlisted origin %s no allow-origin, only vary', (origin) => {
    const headers = corsHeaders(origin, ['https://a.example.com']);

    expect(headers).toEqual({ vary: 'origin' });
    expect(headers).not.toHaveProperty('access-control-allow-origin');
  });
});

describe('rejectionResponse', () => {
  const cors = { 'access-control-allow-origin': '*' };

  it("answers missing symbols with API Gateway's validator body, byte for byte", () => {
    const parsed = parseSymbols(readStreamRequest(makeEvent()).symbolValues, 50);
    if (parsed.ok) throw new Error('expected a rejection');

    const response = rejectionResponse(parsed.rejection, cors);

    expect(response).toEqual({
      statusCode: 400,
      headers: {
        'content-type': 'application/json',
        'cache-control': 'no-store',
        'access-control-allow-origin': '*',
      },
      body: '{"message":"Missing required request parameters: [symbols]"}',
    });
  });

  it('answers invalid symbols with error, message and the exact invalid list', () => {
    const event = makeEvent({ multiValueQueryStringParameters: { symbols: ['aapl,btc-', 'A..B'] } });
    const parsed = parseSymbols(readStreamRequest(event).symbolValues, 50);
    if (parsed.ok) throw new Error('expected a rejection');

    const response = rejectionResponse(parsed.rejection, cors);

    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.body).toBe(
      `{"error":"invalid_symbols","message":"Invalid symbols: BTC-, A..B. ${SYMBOL_HINT}","invalid":["BTC-","A..B"]}`,
    );
  });

  it('answers too many symbols with error, message and the maximum', () => {
    const event = makeEvent({ queryStringParameters: { symbols: 'A,B,C,D' } });
    const parsed = parseSymbols(readStreamRequest(event).symbolValues, 3);
    if (parsed.ok) throw new Error('expected a rejection');

    const response = rejectionResponse(parsed.rejection, { vary: 'origin' });

    expect(response).toEqual({
      statusCode: 400,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store', vary: 'origin' },
      body: '{"error":"too_many_symbols","message":"Too many symbols: 4 requested, at most 3 allowed per stream.","max":3}',
    });
  });
});

describe('rejectionResponse: forbidden_symbols', () => {
  it('answers 403 with error, message and the forbidden list, CORS and no-store', () => {
    const event = makeEvent({
      queryStringParameters: { symbols: 'AAPL,TSLA,GME' },
      requestContext: {
        requestId: 'r',
        authorizer: { principalId: 'alice', symbols: 'AAPL' },
      } as unknown as APIGatewayProxyEvent['requestContext'],
    });
    const plan = planStreamRequest(readStreamRequest(event), 50);
    if (plan.ok) throw new Error('expected a rejection');

    const response = rejectionResponse(plan.rejection, { 'access-control-allow-origin': '*' });

    expect(response).toEqual({
      statusCode: 403,
      headers: {
        'content-type': 'application/json',
        'cache-control': 'no-store',
        'access-control-allow-origin': '*',
      },
      body: '{"error":"forbidden_symbols","message":"Your token does not allow these symbols: TSLA, GME. Request only symbols your token lists, or ask for a token that allows them.","forbidden":["TSLA","GME"]}',
    });
  });
});

describe('STREAM_HEADERS', () => {
  it('are the contract headers of the 200 event stream', () => {
    expect(STREAM_HEADERS).toEqual({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    });
    expect(Object.isFrozen(STREAM_HEADERS)).toBe(true);
  });
});

describe('corsHeaders: origin case', () => {
  it('matches a listed origin case-insensitively and echoes what the browser sent', () => {
    expect(corsHeaders('https://Desk.Example.com', ['https://desk.example.com'])).toEqual({
      'access-control-allow-origin': 'https://Desk.Example.com',
      vary: 'origin',
    });
  });
});
