/**
 * The gateway's error codes and the one error class that carries them.
 *
 * Request refusals are not thrown: they are expected, so `parseSymbols` and `planStreamRequest` return
 * them as values (a `StreamRejection`) and handlers/apigw.ts maps that value to the 400 or 403 body. An
 * exception here is only for what stops the gateway from working at all, today a bad configuration.
 * @see docs/errors.md
 */

/**
 * Every code the gateway emits, in 400 and 403 bodies, `end` reasons and log lines (`code` field); each
 * has an entry in docs/errors.md. `missing_symbols`, `missing_token` and `invalid_token` appear in logs
 * only: their bodies are API Gateway's own, which have no code.
 */
export type ErrorCode =
  | 'missing_symbols'
  | 'invalid_symbols'
  | 'too_many_symbols'
  | 'forbidden_symbols'
  | 'missing_token'
  | 'invalid_token'
  | 'upstream_error'
  | 'invalid_config'
  | 'internal_error';

/** An error with a contract `code`, which the JSON logger writes next to its message and stack. */
export class GatewayError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'GatewayError';
    this.code = code;
  }
}

/** One bad environment variable: its name, what was wrong and what is allowed. */
export interface ConfigIssue {
  variable: string;
  value: string;
  expected: string;
}

/** Configuration that cannot be used; lists every bad variable at once. */
export class ConfigError extends GatewayError {
  readonly issues: readonly ConfigIssue[];

  /** `options.cause` keeps the failure behind an issue (an SSM read that failed) for the log. */
  constructor(issues: readonly ConfigIssue[], options?: ErrorOptions) {
    const lines = issues.map((i) => `  ${i.variable}=${JSON.stringify(i.value)}: expected ${i.expected}`);
    super('invalid_config', `Invalid configuration:\n${lines.join('\n')}`, options);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}
