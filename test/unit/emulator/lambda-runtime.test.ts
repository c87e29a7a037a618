import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readPrelude } from '../../../emulator/lambda/prelude.ts';
import {
  HIGH_WATER_MARK_TAG,
  HTTP_INTEGRATION_CONTENT_TYPE,
  STREAMING_TAG,
  createContext,
  createResponseStream,
  installAwsLambdaGlobal,
  type AwsLambdaGlobal,
  type LocalResponseStream,
  type StreamingHandler,
} from '../../../emulator/lambda/runtime.ts';

installAwsLambdaGlobal();
const lambda = (globalThis as unknown as { awslambda: AwsLambdaGlobal }).awslambda;

function collect(stream: LocalResponseStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return new Promise((resolve) => stream.on('end', () => resolve(Buffer.concat(chunks))));
}

const tagged = (): StreamingHandler =>
  lambda.streamifyResponse(async () => undefined) as unknown as StreamingHandler;

describe('awslambda.streamifyResponse', () => {
  it('tags the handler as streaming and returns the same function', () => {
    const fn = async (): Promise<void> => undefined;

    const result = lambda.streamifyResponse(fn, { highWaterMark: 1024 });

    expect(result).toBe(fn);
    expect((result as unknown as StreamingHandler)[STREAMING_TAG]).toBe('response');
    expect((result as unknown as StreamingHandler)[HIGH_WATER_MARK_TAG]).toBe(1024);
  });
});

describe('awslambda.HttpResponseStream.from', () => {
  it('writes the exact prelude bytes (compact JSON metadata, then 8 NUL bytes) on the first write', async () => {
    const stream = createResponseStream(tagged());
    const body = collect(stream);
    const http = lambda.HttpResponseStream.from(stream, {
      statusCode: 200,
      headers: { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' },
      cookies: ['a=b'],
    });

    http.write('retry: 3000\n\n');
    http.write('data: {"s":"AAPL"}\n\n');
    http.end();

    const expected = Buffer.concat([
      Buffer.from(
        '{"statusCode":200,"headers":{"Content-Type":"text/event-stream","Cache-Control":"no-cache"},"cookies":["a=b"]}',
      ),
      Buffer.alloc(8),
      Buffer.from('retry: 3000\n\ndata: {"s":"AAPL"}\n\n'),
    ]);
    expect((await body).equals(expected)).toBe(true);
    expect(stream.contentType).toBe(HTTP_INTEGRATION_CONTENT_TYPE);
  });

  it('sends no prelude when end() is called without a write, as the runtime does', async () => {
    const stream = createResponseStream(tagged());
    const body = collect(stream);

    lambda.HttpResponseStream.from(stream, { statusCode: 400 }).end();

    expect((await body).length).toBe(0);
  });

  it('sends the prelude for an empty first write', async () => {
    const stream = createResponseStream(tagged());
    const body = collect(stream);
    const http = lambda.HttpResponseStream.from(stream, { statusCode: 204 });

    http.write('');
    http.end();

    expect((await body).equals(Buffer.concat([Buffer.from('{"statusCode":204}'), Buffer.alloc(8)]))).toBe(
      true,
    );
  });

  it('refuses setContentType after the first write', () => {
    const stream = createResponseStream(tagged());
    stream.write('x');

    expect(() => stream.setContentType('text/plain')).toThrow(/too late/);
  });

  it('JSON-encodes chunks that are not strings or bytes', async () => {
    const stream = createResponseStream(tagged());
    const body = collect(stream);

    stream.write({ a: 1 } as unknown as string);
    stream.end();

    expect((await body).toString()).toBe('{"a":1}');
  });

  it('signals backpressure at the high-water mark', () => {
    const fn = lambda.streamifyResponse(async () => undefined, {
      highWaterMark: 16,
    }) as unknown as StreamingHandler;
    const stream = createResponseStream(fn);

    const accepted = stream.write('x'.repeat(64));

    expect(accepted).toBe(false);
  });
});

describe('readPrelude', () => {
  it.each([1, 3, 8, 17])(
    'finds the delimiter when bytes arrive %i at a time and leaves the body',
    async (size) => {
      const source = new PassThrough();
      const bytes = Buffer.concat([
        Buffer.from('{"statusCode":201,"headers":{"x":"y"}}'),
        Buffer.alloc(8),
        Buffer.from('body\0bytes'),
      ]);

      const reading = readPrelude(source);
      for (let i = 0; i < bytes.length; i += size) source.write(bytes.subarray(i, i + size));
      source.end();
      const result = await reading;
      const rest: Buffer[] = [];
      for await (const chunk of source) rest.push(chunk as Buffer);

      expect(result).toEqual({
        ok: true,
        prelude: { statusCode: 201, headers: { x: 'y' }, multiValueHeaders: {}, cookies: [] },
      });
      expect(Buffer.concat(rest).toString()).toBe('body\0bytes');
    },
  );

  it('reports a stream that ends without a prelude', async () => {
    const source = new PassThrough();
    const reading = readPrelude(source);

    source.end('plain body');

    expect(await reading).toEqual({ ok: false, failure: 'no_prelude' });
  });

  it('reports metadata that is not JSON', async () => {
    const source = new PassThrough();
    const reading = readPrelude(source);

    source.end(Buffer.concat([Buffer.from('not json'), Buffer.alloc(8)]));

    expect(await reading).toEqual({ ok: false, failure: 'bad_prelude' });
  });
});

describe('createContext', () => {
  it('counts the remaining time down from the function timeout', () => {
    const context = createContext({ functionTimeoutS: 30, requestId: 'r-1' });

    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(29_000);
    expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(30_000);
    expect(context.awsRequestId).toBe('r-1');
  });
});

/** A stand-in for the client response: records what it was given and answers write() as scripted. */
class FakeClientResponse extends EventEmitter {
  chunks: Buffer[] = [];
  answers: boolean[] = [];
  ended = false;
  destroyed = false;
  writableFinished = false;
  write(chunk: string | Uint8Array): boolean {
    this.chunks.push(Buffer.from(chunk));
    return this.answers.shift() ?? true;
  }
  end(): void {
    this.ended = true;
    this.writableFinished = true;
    this.emit('finish');
  }
  destroy(): void {
    this.destroyed = true;
  }
  body(): string {
    return Buffer.concat(this.chunks).toString();
  }
}

describe('LocalResponseStream.deliverTo (issue 9: no stream hop between the handler and the socket)', () => {
  it('hands each write to the client response within the call and returns what it returned', () => {
    const stream = createResponseStream(tagged());
    const target = new FakeClientResponse();
    stream.deliverTo(target);
    target.answers = [true, false, true];

    const returned = ['a', 'b', 'c'].map((chunk) => {
      const before = target.chunks.length;
      const accepted = stream.write(chunk);
      // Synchronously, one write in, one write out: nothing is buffered in between.
      expect(target.chunks.length).toBe(before + 1);
      return accepted;
    });

    expect(returned).toEqual([true, false, true]);
    expect(target.body()).toBe('abc');
    expect(stream.writableLength + stream.readableLength).toBe(0);
  });

  it("passes the client response's 'drain' on to the handler", () => {
    const stream = createResponseStream(tagged());
    const target = new FakeClientResponse();
    stream.deliverTo(target);
    let drains = 0;
    stream.on('drain', () => (drains += 1));
    target.answers = [false];

    expect(stream.write('x'.repeat(10))).toBe(false);
    target.emit('drain');

    expect(drains).toBe(1);
  });

  it('sends what was buffered before the hand-over first, in order, then the direct writes', async () => {
    const stream = createResponseStream(tagged());
    const http = lambda.HttpResponseStream.from(stream, { statusCode: 200 });
    const big = 'b'.repeat(200 * 1024); // more than the high-water mark: part of it waits in the Writable
    http.write('first,');
    http.write(big);
    const read = await readPrelude(stream);
    expect(read.ok).toBe(true);
    const target = new FakeClientResponse();

    stream.deliverTo(target);
    stream.write(',after');

    expect(target.body()).toBe(`first,${big},after`);
  });

  it("ends the client response on end(), and 'finish' waits until it was delivered", async () => {
    const stream = createResponseStream(tagged());
    let deliver!: () => void;
    const delivered = new Promise<void>((resolve) => (deliver = resolve));
    stream.holdFinishUntilDelivered(() => delivered);
    const target = new FakeClientResponse();
    stream.deliverTo(target);
    let finished = false;
    stream.on('finish', () => (finished = true));

    stream.end('last');
    // A few turns of the event loop, not a fixed sleep: an unheld 'finish' comes within one or two.
    for (let turn = 0; turn < 3; turn += 1) await new Promise((resolve) => setImmediate(resolve));

    expect(target.body()).toBe('last');
    expect(target.ended).toBe(true);
    expect(finished).toBe(false);
    deliver();
    await new Promise((resolve) => setImmediate(resolve));
    expect(finished).toBe(true);
  });

  it('ends the client response when the handler ended before the hand-over', async () => {
    const stream = createResponseStream(tagged());
    const http = lambda.HttpResponseStream.from(stream, { statusCode: 200 });
    http.write('only');
    http.end();
    // Not yet consumed: the end waits in the PassThrough, as it would while the relay reads the prelude.
    await new Promise((resolve) => setImmediate(resolve));
    const read = await readPrelude(stream);
    expect(read.ok).toBe(true);
    const target = new FakeClientResponse();

    stream.deliverTo(target);

    expect(target.body()).toBe('only');
    expect(target.ended).toBe(true);
  });

  it('cuts the client response when the stream is destroyed', () => {
    const stream = createResponseStream(tagged());
    stream.on('error', () => undefined);
    const target = new FakeClientResponse();
    stream.deliverTo(target);

    stream.destroy(new Error('function timed out'));

    expect(target.destroyed).toBe(true);
  });
});
