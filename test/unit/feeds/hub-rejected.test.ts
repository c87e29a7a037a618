/**
 * The hub's bookkeeping of rejected symbols, over a scripted connection (no socket): a rejection
 * reaches exactly the streams that want the symbol, each told only its own symbols; a stream that
 * joins later is told at once; the rejection is forgotten when no stream wants the symbol, so a later
 * stream asks the upstream again. The status snapshot on join keeps its `reason`.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FeedHandlers } from '../../../core/feed.ts';
import { silentLogger } from '../../../core/log.ts';
import { UNSUBSCRIBE_BATCH_MS, createHub } from '../../../feeds/hub.ts';

function scriptedHub() {
  let handlers: FeedHandlers | undefined;
  const subscribed: string[][] = [];
  const unsubscribed: string[][] = [];
  const opened: string[][] = [];
  const hub = createHub({
    lingerMs: 60_000,
    log: silentLogger,
    openConnection: (symbols, connectionHandlers) => {
      handlers = connectionHandlers;
      opened.push([...symbols]);
      return {
        subscribe: (added) => void subscribed.push([...added]),
        unsubscribe: (removed) => void unsubscribed.push([...removed]),
        close: () => undefined,
      };
    },
  });
  const connection = (): FeedHandlers => {
    if (handlers === undefined) throw new Error('no connection');
    return handlers;
  };
  return { hub, connection, subscribed, unsubscribed, opened };
}

function stream(hub: ReturnType<typeof scriptedHub>['hub'], symbols: string[]) {
  const seen: string[] = [];
  const feed = hub.openFeed({
    symbols,
    onQuote: (quote) => seen.push(`quote ${quote.symbol}`),
    onStatus: (status) => seen.push(`status ${JSON.stringify(status)}`),
    onMalformed: () => undefined,
    onRejected: (rejected, code, message) => seen.push(`rejected ${rejected.join(',')} ${code} ${message}`),
  });
  return { feed, seen };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('hub: rejected symbols', () => {
  it('tells exactly the streams that want a rejected symbol, each only its own symbols', () => {
    const { hub, connection } = scriptedHub();
    const a = stream(hub, ['AAPL', 'ZZZZ']);
    const b = stream(hub, ['MSFT', 'ZZZZ', 'FOO']);
    const c = stream(hub, ['AAPL', 'MSFT']);

    connection().onRejected?.(['ZZZZ', 'FOO', 'NOBODY'], 'unknown_symbol', 'not listed');

    expect(a.seen).toEqual(['rejected ZZZZ unknown_symbol not listed']);
    expect(b.seen).toEqual(['rejected ZZZZ,FOO unknown_symbol not listed']);
    expect(c.seen).toEqual([]);
  });

  it('tells a stream that joins later at once, grouped by code, without asking the upstream again', () => {
    const { hub, connection, subscribed } = scriptedHub();
    stream(hub, ['ZZZZ', 'FOO', 'AAPL']);
    connection().onRejected?.(['ZZZZ'], 'unknown_symbol', 'not listed');
    connection().onRejected?.(['FOO'], 'not_entitled', 'upgrade your plan');
    connection().onStatus({ feed: 'unavailable', attempt: 1, reason: 'auth_failed' });

    const late = stream(hub, ['FOO', 'ZZZZ', 'AAPL']);

    expect(late.seen).toEqual([
      'status {"feed":"unavailable","attempt":1,"reason":"auth_failed"}',
      'rejected FOO not_entitled upgrade your plan',
      'rejected ZZZZ unknown_symbol not listed',
    ]);
    expect(subscribed).toEqual([]);
  });

  it('forgets a rejection when no stream wants the symbol: nothing is unsubscribed, a later stream retries', () => {
    const { hub, connection, subscribed, unsubscribed } = scriptedHub();
    const first = stream(hub, ['AAPL', 'ZZZZ']);
    const keeper = stream(hub, ['AAPL']);
    connection().onRejected?.(['ZZZZ'], 'unknown_symbol', 'not listed');

    first.feed.close();
    vi.advanceTimersByTime(UNSUBSCRIBE_BATCH_MS);
    const retry = stream(hub, ['ZZZZ']);

    expect(unsubscribed).toEqual([]); // ZZZZ was never subscribed upstream
    expect(subscribed).toEqual([['ZZZZ']]);
    expect(retry.seen).toEqual([]);
    keeper.feed.close();
  });

  it('lets a stream that rejoins a leaving symbol the upstream rejected ask again', () => {
    const { hub, connection, subscribed } = scriptedHub();
    stream(hub, ['AAPL']);
    const leaver = stream(hub, ['ZZZZ']);
    leaver.feed.close(); // ZZZZ waits for its batched unsubscribe
    connection().onRejected?.(['ZZZZ'], 'unknown_symbol', 'not listed');

    stream(hub, ['ZZZZ']);

    // Once by the leaver, once more by the stream that came back: not silently "still flowing".
    expect(subscribed).toEqual([['ZZZZ'], ['ZZZZ']]);
  });
});
