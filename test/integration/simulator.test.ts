/**
 * simulator/server.ts over real sockets on 127.0.0.1:0, read by a plain `ws` client. Every wait is
 * bounded and named.
 */
import { once } from 'node:events';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import WebSocket from 'ws';
import { validateQuote } from '../../core/quote.ts';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../simulator/server.ts';
import { createCounter } from '../helpers/upstream.ts';

type Message = Record<string, unknown> & { type?: string; symbol?: string };

/**
 * How long to wait for the simulator to see a client's close and stop its tick timer: a guard that
 * turns a hang into a failure, not a speed claim.
 */
const TIMER_STOP_WAIT_MS = 5000;

async function start(options: SimulatorOptions = {}): Promise<Simulator> {
  const simulator = await startSimulator({ tickMs: 10, seed: 1, ...options });
  onTestFinished(() => simulator.close());
  return simulator;
}

/** A raw client: every frame kept, JSON frames flattened into messages. */
async function connect(simulator: Simulator) {
  const ws = new WebSocket(simulator.url);
  onTestFinished(() => ws.terminate());
  const frames: string[] = [];
  const messages: Message[] = [];
  const received = createCounter('frames from the simulator');
  ws.on('message', (data: Buffer) => {
    const text = data.toString('utf8');
    frames.push(text);
    try {
      const value = JSON.parse(text) as Message | Message[];
      messages.push(...(Array.isArray(value) ? value : [value]));
    } catch {
      // Not JSON: kept in `frames` only, where a test that expects JSON sees it.
    }
    received.add();
  });
  await once(ws, 'open');
  const waitUntil = async (what: string, holds: () => boolean): Promise<void> => {
    while (!holds()) {
      await received.waitForAtLeast(received.value + 1).catch((error: Error) => {
        throw new Error(`${error.message} while waiting for ${what}`);
      });
    }
  };
  const send = (value: unknown): void => ws.send(typeof value === 'string' ? value : JSON.stringify(value));
  return { ws, frames, messages, waitUntil, send };
}

const quotesOf = (messages: Message[], symbol?: string) =>
  messages.filter((m) => m.type === 'quote' && (symbol === undefined || m.symbol === symbol));

describe('startSimulator: subscriptions', () => {
  it('answers subscribe with `subscribed`, then the latest quote of each new symbol at once', async () => {
    const simulator = await start();
    const client = await connect(simulator);

    client.send({ action: 'subscribe', symbols: ['aapl', 'BRK.B', 'ZZZZ'] });
    await client.waitUntil('two frames', () => client.frames.length >= 2);

    expect(JSON.parse(client.frames[0] as string)).toEqual({
      type: 'subscribed',
      symbols: ['AAPL', 'BRK.B', 'ZZZZ'],
    });
    const latest = JSON.parse(client.frames[1] as string) as Message[];
    expect(latest.map((m) => [m.type, m.symbol])).toEqual([
      ['quote', 'AAPL'],
      ['quote', 'BRK.B'],
      ['quote', 'ZZZZ'],
    ]);
    expect(latest.every((m) => validateQuote(m).ok)).toBe(true);
    expect(simulator.connections).toBe(1);
  });

  it('streams only subscribed symbols, and none of an unsubscribed one afterwards', async () => {
    const simulator = await start();
    const other = await connect(simulator);
    other.send({ action: 'subscribe', symbols: ['SPY', 'TSLA'] });
    const client = await connect(simulator);
    client.send({ action: 'subscribe', symbols: ['AAPL', 'MSFT'] });
    await client.waitUntil('MSFT updates', () => quotesOf(client.messages, 'MSFT').length >= 5);

    client.send({ action: 'unsubscribe', symbols: ['MSFT'] });
    // A marker: the server handles frames in order, so everything after this answer follows the unsubscribe.
    client.send({ action: 'subscribe', symbols: ['NVDA'] });
    await client.waitUntil('the NVDA answer', () =>
      client.messages.some((m) => m.type === 'subscribed' && (m.symbols as string[])[0] === 'NVDA'),
    );
    const marker = client.messages.findIndex(
      (m) => m.type === 'subscribed' && (m.symbols as string[])[0] === 'NVDA',
    );
    await client.waitUntil(
      '30 AAPL updates after the marker',
      () => quotesOf(client.messages.slice(marker), 'AAPL').length >= 30,
    );

    const symbols = new Set(quotesOf(client.messages).map((m) => m.symbol));
    expect([...symbols].sort()).toEqual(['AAPL', 'MSFT', 'NVDA']);
    expect(quotesOf(client.messages.slice(marker), 'MSFT')).toEqual([]);
    expect(quotesOf(client.messages).every((m) => validateQuote(m).ok)).toBe(true);
    expect(quotesOf(other.messages, 'SPY').length).toBeGreaterThan(0);
  });

  it('answers bad frames with bad_request errors and keeps the connection', async () => {
    const simulator = await start();
    const client = await connect(simulator);

    client.send('{oops');
    client.send({ action: 'dance', symbols: ['AAPL'] });
    client.send({ action: 'subscribe', symbols: ['A..B'] });
    client.ws.send(Buffer.from('{}'), { binary: true });
    client.send({ action: 'subscribe', symbols: ['AAPL'] });
    await client.waitUntil('the AAPL answer', () => client.messages.some((m) => m.type === 'subscribed'));

    const errors = client.messages.filter((m) => m.type === 'error');
    expect(errors).toHaveLength(4);
    expect(errors.every((e) => e.code === 'bad_request' && typeof e.message === 'string')).toBe(true);
    expect(simulator.connections).toBe(1);
  });

  it('opens a symbol at the same quote for the same seed, and at another for another seed', async () => {
    const firstQuote = async (seed: number) => {
      const client = await connect(await start({ seed }));
      client.send({ action: 'subscribe', symbols: ['ZZZZ', 'SPY'] });
      await client.waitUntil('the latest quotes', () => quotesOf(client.messages).length >= 2);
      return quotesOf(client.messages).map(({ ts: _ts, ...rest }) => rest);
    };

    const [a, b, c] = [await firstQuote(5), await firstQuote(5), await firstQuote(6)];

    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });
});

describe('startSimulator: timer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs its tick timer only while somebody is subscribed', async () => {
    // Only the interval is faked: sockets and ws keep their real timers.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const simulator = await start();
    const client = await connect(simulator);
    const idle = vi.getTimerCount();

    client.send({ action: 'subscribe', symbols: ['AAPL'] });
    await client.waitUntil('subscribed', () => client.messages.some((m) => m.type === 'subscribed'));
    const watching = vi.getTimerCount();
    client.ws.terminate();
    await once(client.ws, 'close');
    await vi.waitFor(() => expect(vi.getTimerCount()).toBe(0), { timeout: TIMER_STOP_WAIT_MS });

    expect([idle, watching]).toEqual([0, 1]);
  });
});

describe('startSimulator: close', () => {
  it('close() terminates clients and is idempotent', async () => {
    const simulator = await start();
    const client = await connect(simulator);
    const closed = once(client.ws, 'close');

    await Promise.all([simulator.close(), simulator.close()]);
    await closed;

    expect(client.ws.readyState).toBe(WebSocket.CLOSED);
  });
});
