import { describe, expect, it } from 'vitest';
import { createJsonLogger, serializeError, silentLogger, type LogLevel } from '../../../core/log.ts';

const NOW = Date.UTC(2024, 10, 22, 12, 0, 0, 123);

function capture(level?: LogLevel) {
  const lines: string[] = [];
  const log = createJsonLogger({
    level,
    write: (line) => lines.push(line),
    now: () => NOW,
    base: { service: 'qs' },
  });
  return { log, lines, parsed: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('createJsonLogger', () => {
  it('writes one JSON object per line with level, time, msg, base fields and line fields', () => {
    const { log, lines } = capture();

    log.info('stream summary', { quotes: 3 });

    expect(lines).toEqual([
      '{"level":"info","time":"2024-11-22T12:00:00.123Z","msg":"stream summary","service":"qs","quotes":3}',
    ]);
  });

  it('drops lines below the level and defaults to info', () => {
    const quiet = capture('warn');
    const standard = capture();

    for (const { log } of [quiet, standard]) {
      log.debug('d');
      log.info('i');
      log.warn('w');
      log.error('e');
    }

    expect(quiet.parsed().map((l) => l.level)).toEqual(['warn', 'error']);
    expect(standard.parsed().map((l) => l.level)).toEqual(['info', 'warn', 'error']);
  });

  it('writes debug lines at level debug', () => {
    const { log, parsed } = capture('debug');

    log.debug('reader gone', { cause: 'reset' });

    expect(parsed()).toMatchObject([{ level: 'debug', msg: 'reader gone', cause: 'reset' }]);
  });

  it('adds child fields to every line of the child, not to the parent', () => {
    const { log, parsed } = capture();
    const child = log.child({ requestId: 'r-1' });

    child.info('a');
    child.child({ symbolCount: 2 }).warn('b');
    log.info('c');

    expect(parsed()).toMatchObject([
      { msg: 'a', requestId: 'r-1', service: 'qs' },
      { msg: 'b', requestId: 'r-1', symbolCount: 2 },
      { msg: 'c' },
    ]);
    expect(parsed()[2]).not.toHaveProperty('requestId');
  });

  it('serialises an error field with its message, code, stack and cause', () => {
    const { log, parsed } = capture();
    const cause = new Error('ECONNREFUSED');
    const error = Object.assign(new Error('connect failed', { cause }), { code: 'upstream_error' });

    log.error('stream failed', { error });

    const [line] = parsed();
    expect(line?.error).toMatchObject({
      name: 'Error',
      message: 'connect failed',
      code: 'upstream_error',
      cause: { name: 'Error', message: 'ECONNREFUSED' },
    });
    expect((line?.error as { stack?: string }).stack).toContain('connect failed');
  });
});

describe('serializeError', () => {
  it('passes non-errors through', () => {
    expect(serializeError('boom')).toBe('boom');
    expect(serializeError(undefined)).toBeUndefined();
  });

  it('follows the cause chain three levels deep and stops, so a cycle cannot loop', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    a.cause = b;

    const out = serializeError(b) as Record<string, unknown>;

    const depth = (value: unknown): number =>
      typeof value === 'object' && value !== null && 'cause' in value ? 1 + depth(value.cause) : 0;
    expect(depth(out)).toBe(3);
    expect(() => JSON.stringify(out)).not.toThrow();
  });
});

describe('silentLogger', () => {
  it('accepts every call and returns itself as child', () => {
    expect(() => {
      silentLogger.debug('x');
      silentLogger.info('x');
      silentLogger.warn('x', { a: 1 });
      silentLogger.error('x');
    }).not.toThrow();
    expect(silentLogger.child({ requestId: 'r' })).toBe(silentLogger);
  });
});

describe('createJsonLogger: hostile fields', () => {
  it('keeps its own level, time and msg when fields carry the same keys', () => {
    const lines: string[] = [];
    const log = createJsonLogger({ write: (l) => lines.push(l), now: () => 0 });

    log.info('real', { level: 'fake', msg: 'fake', time: 'fake', extra: 1 });

    expect(JSON.parse(lines[0] as string)).toEqual({
      level: 'info',
      time: '1970-01-01T00:00:00.000Z',
      msg: 'real',
      extra: 1,
    });
  });

  it('never throws on a field JSON cannot encode', () => {
    const lines: string[] = [];
    const log = createJsonLogger({ write: (l) => lines.push(l), now: () => 0 });
    const circular: Record<string, unknown> = {};
    circular.self = circular;

    expect(() => log.warn('odd', { circular, big: 1n })).not.toThrow();
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      level: 'warn',
      msg: 'odd',
      logError: expect.any(String),
    });
  });
});
