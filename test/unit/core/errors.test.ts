import { describe, expect, it } from 'vitest';
import { ConfigError, GatewayError } from '../../../core/errors.ts';
import { serializeError } from '../../../core/log.ts';

// ConfigError is the one error production throws (loadConfig, and the handler without UPSTREAM_URL);
// request refusals are values (core/request.ts), so there is no response half to test here.
describe('ConfigError', () => {
  const issues = [
    { variable: 'THROTTLE_MS', value: '-1', expected: 'an integer from 0 to 60000' },
    { variable: 'FEED', value: 'nope', expected: 'one of native' },
  ];

  it('names every bad variable with its value and the allowed range in one message', () => {
    const error = new ConfigError(issues);

    expect(error.name).toBe('ConfigError');
    expect(error.issues).toEqual(issues);
    expect(error.message).toBe(
      'Invalid configuration:\n  THROTTLE_MS="-1": expected an integer from 0 to 60000\n  FEED="nope": expected one of native',
    );
  });

  it('is a GatewayError with the invalid_config code', () => {
    const error = new ConfigError(issues);

    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('invalid_config');
  });

  it('keeps the failure behind it as cause, and the log shows it', () => {
    const cause = new Error('ParameterNotFound');

    const error = new ConfigError(issues.slice(0, 1), { cause });

    expect(error.cause).toBe(cause);
    expect(serializeError(error)).toMatchObject({ cause: { message: 'ParameterNotFound' } });
  });

  it('reaches the JSON log with its code, name and message', () => {
    const logged = serializeError(new ConfigError(issues.slice(0, 1)));

    expect(logged).toMatchObject({
      name: 'ConfigError',
      code: 'invalid_config',
      message: 'Invalid configuration:\n  THROTTLE_MS="-1": expected an integer from 0 to 60000',
    });
  });
});
