/**
 * Regression (security review H2): the event's header and query maps were plain objects filled with
 * `(map[key] ??= []).push(value)`, so a key named after an `Object.prototype` member (`constructor`,
 * `toString`, `__proto__`, `hasOwnProperty`) found the inherited member, `push` threw, and the
 * unhandled rejection stopped `npm start`. These tests build events with such keys and check that
 * the function gets them as API Gateway sends them: ordinary JSON objects holding every key as an own
 * data property. Without the fix buildRestEvent throws a TypeError.
 */
import { describe, expect, it } from 'vitest';
import { buildRestEvent, type EventSourceRequest } from '../../../emulator/apigw/event.ts';

function fakeRequest(rawHeaders: string[] = []): EventSourceRequest {
  return {
    rawHeaders,
    method: 'GET',
    httpVersion: '1.1',
    headers: { host: '127.0.0.1:3000' },
    socket: { remoteAddress: '127.0.0.1' },
  };
}

const PROTOTYPE_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];

describe('buildRestEvent', () => {
  it.each(PROTOTYPE_NAMES)('keeps a query key named %s as an own value of both maps', (name) => {
    const url = new URL(
      `http://localhost/stream?symbols=AAPL&${encodeURIComponent(name)}=1&${encodeURIComponent(name)}=2`,
    );

    const event = buildRestEvent(fakeRequest(), url, '/stream');

    const single = event.queryStringParameters as Record<string, unknown>;
    const multi = event.multiValueQueryStringParameters as Record<string, unknown>;
    expect(Object.getOwnPropertyDescriptor(single, name)?.value).toBe('2');
    expect(Object.getOwnPropertyDescriptor(multi, name)?.value).toEqual(['1', '2']);
    expect(single.symbols).toBe('AAPL');
    // An ordinary object, as JSON.parse gives the function on Lambda: the prototype is untouched.
    expect(Object.getPrototypeOf(single)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(multi)).toBe(Object.prototype);
    expect(Object.keys(single)).toEqual(['symbols', name]);
  });

  it.each(PROTOTYPE_NAMES)('keeps a header named %s as an own value of both maps', (name) => {
    const event = buildRestEvent(
      fakeRequest(['Host', 'x', name, 'a', name, 'b']),
      new URL('http://localhost/stream?symbols=A'),
      '/stream',
    );

    expect(Object.getOwnPropertyDescriptor(event.headers, name)?.value).toBe('b');
    expect(Object.getOwnPropertyDescriptor(event.multiValueHeaders, name)?.value).toEqual(['a', 'b']);
    expect(Object.getPrototypeOf(event.headers)).toBe(Object.prototype);
  });

  it('survives the JSON round trip Lambda puts the event through with the same keys', () => {
    const url = new URL('http://localhost/stream?symbols=AAPL&constructor=1&__proto__=x');

    const event = buildRestEvent(fakeRequest(['constructor', 'c', '__proto__', 'p']), url, '/stream');
    const parsed = JSON.parse(JSON.stringify(event)) as typeof event;

    expect(Object.keys(parsed.queryStringParameters ?? {})).toEqual(['symbols', 'constructor', '__proto__']);
    expect(Object.keys(parsed.headers)).toEqual(['constructor', '__proto__']);
    expect(Object.getOwnPropertyDescriptor(parsed.headers, '__proto__')?.value).toBe('p');
  });

  it('keeps the last value of a repeated key in the single-value map, every value in the other', () => {
    const url = new URL('http://localhost/stream?symbols=aapl&symbols=MSFT,TSLA');

    const event = buildRestEvent(fakeRequest(['Last-Event-ID', '1', 'last-event-id', '2']), url, '/stream');

    expect(event.queryStringParameters).toEqual({ symbols: 'MSFT,TSLA' });
    expect(event.multiValueQueryStringParameters).toEqual({ symbols: ['aapl', 'MSFT,TSLA'] });
    // [aws] REST keeps header names in the case they were sent: two spellings are two keys.
    expect(event.headers).toEqual({ 'Last-Event-ID': '1', 'last-event-id': '2' });
  });

  it('sends null query maps when there is no query string', () => {
    const event = buildRestEvent(fakeRequest(), new URL('http://localhost/stream'), '/stream');

    expect(event.queryStringParameters).toBeNull();
    expect(event.multiValueQueryStringParameters).toBeNull();
  });
});
