/**
 * The gateway's error codes and the one error class that carries them.
 *
 * Request refusals are not thrown: they are expected, so `parseSymbols` and `planStreamRequest` return
 * them as values (a `SymbolsRejection`) and handlers/apigw.ts maps that value to the 400 body. An
 * exception here is only for what stops the gateway from working at all, today a bad configuration.
 * @see docs/errors.md
 */

/**
 * Every code the gateway emits, in 400 bodies, `end` reasons and log lines (`code` field); each has an
 * entry in docs/errors.md. `missing_symbols` appears in logs only: its 400 body is API Gateway's own,
 * which has no code.
 */
export type ErrorCode =
  | 'missing_symbols'
  | 'invalid_symbols'
  | 'too_many_symbols'
  | 'upstream_error'
  | 'invalid_config'
  | 'internal_error';

/** An error with a contract `code`, which the JSON logger writes next to its message and stack. */
export class GatewayError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
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

  constructor(issues: readonly ConfigIssue[]) {
    const lines = issues.map((i) => `  ${i.variable}=${JSON.stringify(i.value)}: expected ${i.expected}`);
    super('invalid_config', `Invalid configuration:\n${lines.join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}
