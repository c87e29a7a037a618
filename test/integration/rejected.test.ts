/**
 * End to end, as `SIMULATOR_UNLISTED=ZZZZ npm start` runs it: the local gateway over the embedded
 * simulator that does not list ZZZZ. A stream asking for `AAPL,ZZZZ` gets one `rejected` event for
 * ZZZZ (no id) and quotes for AAPL; a second stream joining later is told at once, from the hub's
 * memory, without the upstream being asked again.
 */
import { describe, expect, it } from 'vitest';
import { startGateway } from '../helpers/gateway.ts';
import { openSse } from '../helpers/sse.ts';

describe('GET /stream: symbols the upstream does not list', () => {
  it('rejects ZZZZ on the streams that asked for it and streams AAPL quotes', async () => {
    const gateway = await startGateway({
      env: { THROTTLE_MS: '20', HEARTBEAT_MS: '5000' },
      simulatorUnlisted: ['ZZZZ', 'FOO'],
    });

    const first = await openSse(`${gateway.url}/stream?symbols=AAPL,zzzz`);
    await first.waitFor(
      'a rejected event and an AAPL quote',
      () => first.events('rejected').length === 1 && first.events('quote').length >= 1,
    );
    const second = await openSse(`${gateway.url}/stream?symbols=ZZZZ,MSFT`);
    await second.waitFor(
      'a rejected event and a MSFT quote',
      () => second.events('rejected').length === 1 && second.events('quote').length >= 1,
    );

    for (const stream of [first, second]) {
      const [rejected] = stream.events('rejected');
      expect(rejected?.id).toBeUndefined();
      expect(JSON.parse(rejected?.data ?? '{}')).toEqual({
        symbols: ['ZZZZ'],
        code: 'unknown_symbol',
        message: 'not listed by this market: ZZZZ',
      });
    }
    expect(
      first.events('quote').every((e) => (JSON.parse(e.data) as { symbol: string }).symbol === 'AAPL'),
    ).toBe(true);
    expect(
      second.events('quote').every((e) => (JSON.parse(e.data) as { symbol: string }).symbol === 'MSFT'),
    ).toBe(true);
    // The stream goes on: still open, no `end`.
    expect(first.isClosed || second.isClosed).toBe(false);
    expect(first.events('end')).toEqual([]);
    first.destroy();
    second.destroy();
  });
});
