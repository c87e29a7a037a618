import { describe, expect, it } from 'vitest';
import { ConfigError, GatewayError } from '../../../core/errors.ts';

describe('GatewayError', () => {
  it('carries its code and defaults to an unexposed 500', () => {
    const error = new GatewayError('internal_error', 'socket hang up');

    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('GatewayError');
    expect(error.code).toBe('internal_error');
    expect(error.expose).toBe(false);
    expect(error.statusCode).toBe(500);
    expect(error.details).toEqual({});
  });

  it('chains its cause', () => {
    const cause = new Error('ECONNREFUSED');

    const error = new GatewayError('internal_error', 'connect failed', { cause });

    expect(error.cause).toBe(cause);
  });

  it('has no cause property when none was given', () => {
    const error = new GatewayError('internal_error', 'boom');

    expect('cause' in error).toBe(false);
  });

  it('hides the message of an unexposed error from the client body', () => {
    const error = new GatewayError('internal_error', 'secret stack detail', { details: { table: 'x' } });

    const body = JSON.stringify(error);

    expect(body).toBe('{"error":"internal_error","message":"Internal error"}');
  });

  it('shows code, message and details of an exposed error', () => {
    const error = new GatewayError('invalid_symbols', 'Invalid symbol: BTC-.', {
      expose: true,
      statusCode: 400,
      details: { invalid: ['BTC-'] },
    });

    const body = JSON.stringify(error);

    expect(error.statusCode).toBe(400);
    expect(body).toBe('{"error":"invalid_symbols","message":"Invalid symbol: BTC-.","invalid":["BTC-"]}');
  });
});

describe('ConfigError', () => {
  it('names every bad variable with its value and the allowed range in one message', () => {
    const issues = [
      { variable: 'THROTTLE_MS', value: '-1', expected: 'an integer from 0 to 60000' },
      { variable: 'FEED', value: 'nope', expected: 'one of native' },
    ];

    const error = new ConfigError(issues);

    expect(error.name).toBe('ConfigError');
    expect(error.code).toBe('invalid_config');
    expect(error.issues).toEqual(issues);
    expect(error.message).toBe(
      'Invalid configuration:\n  THROTTLE_MS="-1": expected an integer from 0 to 60000\n  FEED="nope": expected one of native',
    );
  });

  it('is not exposed to clients', () => {
    const error = new ConfigError([{ variable: 'FEED', value: 'x', expected: 'one of native' }]);

    expect(error.expose).toBe(false);
    expect(error.toJSON()).toEqual({ error: 'internal_error', message: 'Internal error' });
  });
});
