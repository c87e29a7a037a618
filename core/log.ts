/**
 * Structured logging as JSON lines. The logger is injected everywhere so tests capture it and the
 * gateway writes one summary line per stream, never one per quote.
 */

/** Log levels, most verbose first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** Is `value` one of {@link LOG_LEVELS}? */
export const isLogLevel = (value: unknown): value is LogLevel =>
  (LOG_LEVELS as readonly unknown[]).includes(value);

/** Fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/** What every module logs through. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (for example the request id). */
  child(fields: LogFields): Logger;
}

export interface JsonLoggerOptions {
  /** Lines below this level are dropped. @defaultValue 'info' */
  level?: LogLevel;
  /** Where a finished line goes (stdout in the runtime, an array in tests). */
  write: (line: string) => void;
  /** Clock for the `time` field. @defaultValue Date.now */
  now?: () => number;
  /** Fields on every line. */
  base?: LogFields;
}

/** Turn an error into plain fields that survive JSON.stringify (message, code, stack, cause chain). */
export function serializeError(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error)) return error;
  const out: Record<string, unknown> = { name: error.name, message: error.message };
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) out.code = code;
  if (error.stack) out.stack = error.stack;
  if (error.cause !== undefined && depth < 3) out.cause = serializeError(error.cause, depth + 1);
  return out;
}

/** Create a logger that writes one JSON object per line. */
export function createJsonLogger(options: JsonLoggerOptions): Logger {
  const threshold = LOG_LEVELS.indexOf(options.level ?? 'info');
  const now = options.now ?? Date.now;

  const make = (base: LogFields): Logger => {
    const emit = (level: LogLevel, msg: string, fields?: LogFields): void => {
      if (LOG_LEVELS.indexOf(level) < threshold) return;
      // The line's own keys win over fields with the same name, and they come first for readers.
      const line: LogFields = { level, time: new Date(now()).toISOString(), msg };
      for (const [key, value] of Object.entries({ ...base, ...fields })) {
        if (!(key in line)) line[key] = key === 'error' ? serializeError(value) : value;
      }
      let text: string;
      try {
        text = JSON.stringify(line);
      } catch (error) {
        // A circular or BigInt field must not break a stream (observability never does): log that instead.
        text = JSON.stringify({ level, time: line.time, msg, logError: (error as Error).message });
      }
      options.write(text);
    };
    return {
      debug: (msg, fields) => emit('debug', msg, fields),
      info: (msg, fields) => emit('info', msg, fields),
      warn: (msg, fields) => emit('warn', msg, fields),
      error: (msg, fields) => emit('error', msg, fields),
      child: (fields) => make({ ...base, ...fields }),
    };
  };
  return make(options.base ?? {});
}

/** A logger that drops everything (default for library use and quiet tests). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};
