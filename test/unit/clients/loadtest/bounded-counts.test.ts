/**
 * clients/loadtest/bounded-counts.ts and the summary built on it: counters keyed by server-chosen
 * strings stay correct for `Object.prototype` names, bounded in size, and printable.
 */
import { describe, expect, test } from 'vitest';
import { BoundedCounts, MAX_DISTINCT_KEYS, OTHER_KEY } from '../../../../clients/loadtest/bounded-counts.ts';
import { formatSummary } from '../../../../clients/loadtest/report.ts';
import { LoadStats, summarize } from '../../../../clients/loadtest/stats.ts';

const RUN = {
  url: 'http://127.0.0.1:3000/stream?symbols=***&token=***',
  connections: 1,
  durationS: 1,
  rampS: 0,
  elapsedS: 1,
  cpu: { user: 1000, system: 1000 },
  loopDelay: { p50: 0, p99: 0, max: 0 },
  maxRssBytes: 1024 * 1024,
};

/** C0 (newline included), DEL and C1: what a terminal acts on. */
const CONTROL_BYTES = /\p{Cc}/u;

describe('BoundedCounts', () => {
  // Regression, security review L8: a plain object miscounted these and grew without bound.
  test.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])(
    'counts %s as an ordinary key',
    (key) => {
      const counts = new BoundedCounts();

      counts.add(key);
      counts.add(key);

      expect(counts.get(key)).toBe(2);
      expect(Object.getPrototypeOf(counts.toRecord())).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(counts.toRecord(), key)?.value).toBe(2);
    },
  );

  test('keeps at most MAX_DISTINCT_KEYS keys and counts the rest under "other"', () => {
    const counts = new BoundedCounts();

    for (let i = 0; i < 10_000; i++) counts.add(`reason-${i}`);
    counts.add('reason-0');

    expect(counts.size).toBe(MAX_DISTINCT_KEYS + 1);
    expect(counts.get(OTHER_KEY)).toBe(10_000 - MAX_DISTINCT_KEYS);
    expect(counts.get('reason-0')).toBe(2);
  });

  test('stores keys printable and cut, so a reason cannot carry terminal escapes into the summary', () => {
    const counts = new BoundedCounts();

    counts.add('\u001b]52;c;aGk=\u0007\u001b[2J');
    counts.add('x'.repeat(1000));

    const keys = Object.keys(counts.toRecord());
    expect(keys[0]).toBe('\\u001b]52;c;aGk=\\u0007\\u001b[2J');
    expect(keys[1]).toHaveLength(65);
    for (const key of keys) expect(key).not.toMatch(CONTROL_BYTES);
  });
});

describe('the load summary with hostile server strings', () => {
  test('keeps the JSON shape (records of counts) and prints no control byte', () => {
    const stats = new LoadStats();
    stats.streamEnded('\u001b[2Jdeadline');
    stats.streamEnded('__proto__');
    stats.fail('http_400');
    stats.refused('HTTP 400: {"message":"\u001b]0;pwned\u0007\u009b31m"}');

    const summary = summarize(stats, RUN);
    const text = formatSummary(summary);

    expect(JSON.parse(JSON.stringify(summary))).toMatchObject({
      requests: { failures: { http_400: 1 } },
      ends: { endReasons: { '\\u001b[2Jdeadline': 1 } },
    });
    expect(Object.getOwnPropertyDescriptor(summary.ends.endReasons, '__proto__')?.value).toBe(1);
    expect(summary.requests.firstRefusal).toBe('HTTP 400: {"message":"\\u001b]0;pwned\\u0007\\u009b31m"}');
    expect(text.replaceAll('\n', '')).not.toMatch(CONTROL_BYTES);
    expect(text).toContain('first refusal         HTTP 400:');
  });
});
