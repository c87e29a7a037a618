/**
 * Bus connection errors at warn, rate-limited (feeds/bus/error-log.ts): the first error of an outage
 * at once, then one line per interval with the count left out, and a line when the connection is back.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createJsonLogger } from '../../../core/log.ts';
import { logBusErrors } from '../../../feeds/bus/error-log.ts';

function setup() {
  let clock = 0;
  const lines: Record<string, unknown>[] = [];
  const log = createJsonLogger({ level: 'info', write: (line) => lines.push(JSON.parse(line)) });
  const client = new EventEmitter();
  logBusErrors(client, log, { connection: 'qs-ingest', intervalMs: 10_000, now: () => clock });
  const fail = (): boolean => client.emit('error', new Error('connect ECONNREFUSED 127.0.0.1:6379'));
  return { lines, client, fail, tick: (ms: number) => (clock += ms) };
}

describe('bus connection errors in the log', () => {
  it('logs the first error of an outage at warn at once, then once per interval with the count left out', () => {
    const { lines, fail, tick } = setup();
    fail();
    expect(lines).toMatchObject([
      {
        level: 'warn',
        msg: 'bus connection error',
        code: 'bus_error',
        connection: 'qs-ingest',
        suppressed: 0,
      },
    ]);
    expect(lines[0]?.error).toMatchObject({ message: 'connect ECONNREFUSED 127.0.0.1:6379' });
    for (let i = 0; i < 4; i += 1) {
      tick(2000);
      fail();
    }
    expect(lines).toHaveLength(1);
    tick(2000);
    fail();
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ level: 'warn', suppressed: 4 });
  });

  it('says when the connection is back, and logs the next outage’s first error at once', () => {
    const { lines, client, fail, tick } = setup();
    fail();
    fail();
    client.emit('ready');
    expect(lines[1]).toMatchObject({ level: 'info', msg: 'bus connection restored', errors: 2 });
    tick(1);
    fail();
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatchObject({ level: 'warn', msg: 'bus connection error', suppressed: 0 });
  });

  it('says nothing on a first connection', () => {
    const { lines, client } = setup();
    client.emit('ready');
    expect(lines).toEqual([]);
  });
});
