/**
 * Errors with stable snake_case codes. The codes are public: they appear in 400 bodies, `status` events
 * and log lines, and each has an entry in docs/errors.md.
 * @see docs/errors.md
 */

/** Every error code the gateway emits. */
export type ErrorCode = 'invalid_symbols' | 'too_many_symbols' | 'invalid_config' | 'internal_error';

/** Options shared by every {@link GatewayError}. */
export interface GatewayErrorOptions {
  /** Whether `message` may be shown to a client (request errors yes, internal errors no). */
  expose?: boolean;
  /** HTTP status for errors that happen before the first byte. @defaultValue 500 */
  statusCode?: number;
  /** Extra fields for logs and, when exposed, the response body. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** Base class of every error that carries a contract `code`. */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly expose: boolean;
  readonly statusCode: number;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.expose = options.expose ?? false;
    this.statusCode = options.statusCode ?? 500;
    this.details = options.details ?? {};
  }

  /** The body a client sees: the contract's `{error, message, ...details}` or a generic one. */
  toJSON(): Record<string, unknown> {
    if (!this.expose) return { error: 'internal_error', message: 'Internal error' };
    return { error: this.code, message: this.message, ...this.details };
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
    super('invalid_config', `Invalid configuration:\n${lines.join('\n')}`, { details: { issues } });
    this.name = 'ConfigError';
    this.issues = issues;
  }
}
