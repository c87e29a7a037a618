/**
 * clients/sse/refusal.ts: one bound and one reading of a refused stream's body, shared by the fetch
 * reader, the load tester and the dashboard's probe.
 */
import { describe, expect, it } from 'vitest';
import {
  accessRefusal,
  decodeRefusalBody,
  describeRefusal,
  MAX_REFUSAL_BODY_BYTES,
  readLimitedText,
  TOKEN_REFUSED,
  TOKEN_REQUIRED,
} from '../../../../clients/sse/refusal.ts';

/** A body that never ends, counting how many chunks were pulled and whether it was cancelled. */
function endlessBody(chunk: Uint8Array): {
  body: ReadableStream<Uint8Array>;
  pulls: () => number;
  cancelled: () => boolean;
} {
  let pulls = 0;
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        pulls++;
        controller.enqueue(chunk);
      },
      cancel() {
        cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { body, pulls: () => pulls, cancelled: () => cancelled };
}

describe('readLimitedText', () => {
  it('stops at the bound on an endless body and cancels the rest', async () => {
    const source = endlessBody(new TextEncoder().encode('x'.repeat(1000)));

    const text = await readLimitedText(source.body);

    expect(text).toHaveLength(MAX_REFUSAL_BODY_BYTES);
    expect(source.pulls()).toBeLessThanOrEqual(Math.ceil(MAX_REFUSAL_BODY_BYTES / 1000) + 1);
    expect(source.cancelled()).toBe(true);
  });

  it('keeps a short body whole, multi-byte characters included', async () => {
    const bytes = new TextEncoder().encode('{"message":"Zürich €"}');
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.subarray(0, 14)); // splits the ü
        controller.enqueue(bytes.subarray(14));
        controller.close();
      },
    });

    expect(await readLimitedText(body)).toBe('{"message":"Zürich €"}');
  });

  it('reads nothing from a missing body', async () => {
    expect(await readLimitedText(null)).toBe('');
  });
});

describe('decodeRefusalBody', () => {
  it("reads the gateway's 400 body: message, code and the invalid symbols", () => {
    const text = JSON.stringify({
      error: 'invalid_symbols',
      message: 'Invalid symbols: A..B',
      invalid: ['A..B', 7],
    });

    expect(decodeRefusalBody(text)).toEqual({
      body: { error: 'invalid_symbols', message: 'Invalid symbols: A..B', invalid: ['A..B', 7] },
      message: 'Invalid symbols: A..B',
      detail: 'Invalid symbols: A..B',
      error: 'invalid_symbols',
      invalid: ['A..B'],
      forbidden: [],
      deny: undefined,
    });
  });

  it("reads API Gateway's bodies, which carry only a message", () => {
    expect(decodeRefusalBody('{"message":"Missing Authentication Token"}')).toMatchObject({
      message: 'Missing Authentication Token',
      detail: 'Missing Authentication Token',
      error: undefined,
      invalid: [],
    });
  });

  it("keeps a proxy's HTML page as text and shows only its start", () => {
    const page = `<html>${'x'.repeat(500)}</html>`;

    const refusal = decodeRefusalBody(page);

    expect(refusal.body).toBe(page);
    expect(refusal.message).toBeUndefined();
    expect(refusal.detail).toBe(page.slice(0, 200));
  });

  it.each(['null', '[1,2]', '"text"', '{"message":42}'])('finds no message in %s', (text) => {
    expect(decodeRefusalBody(text)).toMatchObject({ message: undefined, detail: text, invalid: [] });
  });
});

describe('describeRefusal: the access refusals in words (docs/CONTRACT.md §2 Auth)', () => {
  const DENY = '{"Message":"User is not authorized to access this resource with an explicit deny"}';
  const FORBIDDEN = JSON.stringify({
    error: 'forbidden_symbols',
    message: 'not allowed',
    forbidden: ['MSFT', 'TSLA'],
  });

  it.each([
    ['401 (no token)', 401, '{"message":"Unauthorized"}', 'HTTP 401: a token is required', 'token_required'],
    ['403 Deny (bad token)', 403, DENY, `HTTP 403: ${TOKEN_REFUSED}`, 'token_refused'],
    [
      '403 forbidden_symbols',
      403,
      FORBIDDEN,
      'HTTP 403: the token does not allow MSFT, TSLA',
      'forbidden_symbols',
    ],
    [
      "API Gateway's wrong-path 403",
      403,
      '{"message":"Missing Authentication Token"}',
      'HTTP 403: Missing Authentication Token',
      undefined,
    ],
    ['a 400', 400, '{"message":"Invalid symbols: A..B"}', 'HTTP 400: Invalid symbols: A..B', undefined],
  ])('%s', (_name, status, body, message, access) => {
    const refusal = decodeRefusalBody(body);

    expect(describeRefusal(status, refusal)).toBe(message);
    expect(accessRefusal(status, refusal)).toBe(access);
  });

  it('says "a token is required" for a 401 whatever its body, even a proxy page', () => {
    expect(describeRefusal(401, decodeRefusalBody('<html>login</html>'))).toBe(`HTTP 401: ${TOKEN_REQUIRED}`);
  });
});
