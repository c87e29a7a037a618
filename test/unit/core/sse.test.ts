import { describe, expect, it } from 'vitest';
import { encodeComment, encodeEvent, encodeRetry } from '../../../core/sse.ts';
import { parseSseText as parse } from '../../helpers/sse.ts';

describe('encodeEvent', () => {
  it('writes id, event and data lines in that order, ended by a blank line', () => {
    const event = { id: '17', event: 'quote', data: '{"symbol":"AAPL"}' };

    const frame = encodeEvent(event);

    expect(frame).toBe('id: 17\nevent: quote\ndata: {"symbol":"AAPL"}\n\n');
  });

  it('writes only a data line when there is no id and no event', () => {
    const frame = encodeEvent({ data: 'hello' });

    expect(frame).toBe('data: hello\n\n');
  });

  it('writes an empty data line for empty data', () => {
    const frame = encodeEvent({ event: 'ping', data: '' });

    expect(frame).toBe('event: ping\ndata: \n\n');
    expect(parse(frame)).toEqual([{ kind: 'event', event: 'ping', data: '' }]);
  });

  it.each([
    ['LF', 'a\nb\nc'],
    ['CRLF', 'a\r\nb\r\nc'],
    ['CR', 'a\rb\rc'],
  ])('turns %s-separated data into one data line per line', (_name, data) => {
    const frame = encodeEvent({ event: 'note', data });

    expect(frame).toBe('event: note\ndata: a\ndata: b\ndata: c\n\n');
    expect(parse(frame)).toEqual([{ kind: 'event', event: 'note', data: 'a\nb\nc' }]);
  });

  it.each([
    ['event', { event: 'quote\ndata: forged', data: 'x' }],
    ['event', { event: 'quote\r', data: 'x' }],
    ['event', { event: 'a\r\nb', data: 'x' }],
    ['id', { id: '1\nevent: end', data: 'x' }],
    ['id', { id: '1\r', data: 'x' }],
  ])('refuses a line break inside %s', (_field, event) => {
    const encode = (): string => encodeEvent(event);

    expect(encode).toThrow(TypeError);
    expect(encode).toThrow(/must not contain CR or LF/);
  });

  it('refuses NUL inside id, which a client would ignore', () => {
    const encode = (): string => encodeEvent({ id: '1\0', data: 'x' });

    expect(encode).toThrow(/must not contain NUL/);
  });

  it('keeps a leading space of a data line intact through a spec parser', () => {
    const frame = encodeEvent({ data: ' padded' });

    expect(frame).toBe('data:  padded\n\n');
    expect(parse(frame)).toEqual([{ kind: 'event', data: ' padded' }]);
  });

  it('parses back with eventsource-parser to the same id, event and data', () => {
    const events = [
      { id: '1', event: 'quote', data: '{"symbol":"AAPL","bid":189.12}' },
      { event: 'status', data: '{"feed":"reconnecting","attempt":2}' },
      { id: '2', event: 'quote', data: 'line one\nline two' },
    ];

    const parsed = parse(events.map(encodeEvent).join(''));

    expect(parsed).toEqual(events.map((event) => ({ kind: 'event', ...event })));
  });
});

describe('encodeComment', () => {
  it('writes a colon line ended by a blank line', () => {
    const frame = encodeComment('heartbeat');

    expect(frame).toBe(': heartbeat\n\n');
    expect(parse(frame)).toEqual([{ kind: 'comment', text: 'heartbeat' }]);
  });

  it('turns line breaks into separate comment lines, so no field can be smuggled in', () => {
    const frame = encodeComment('a\nevent: end\r\nb');

    expect(frame).toBe(': a\n: event: end\n: b\n\n');
    expect(parse(frame)).toEqual([
      { kind: 'comment', text: 'a' },
      { kind: 'comment', text: 'event: end' },
      { kind: 'comment', text: 'b' },
    ]);
  });
});

describe('encodeRetry', () => {
  it('writes the retry field as its own block', () => {
    const frame = encodeRetry(1000);

    expect(frame).toBe('retry: 1000\n\n');
    expect(parse(frame)).toEqual([{ kind: 'retry', ms: 1000 }]);
  });

  it('accepts zero', () => {
    expect(encodeRetry(0)).toBe('retry: 0\n\n');
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses %s, which a client would ignore',
    (value) => {
      const encode = (): string => encodeRetry(value);

      expect(encode).toThrow(TypeError);
    },
  );
});

describe('a whole stream', () => {
  it('matches the contract example byte for byte and parses back event by event', () => {
    const ready = '{"symbols":["AAPL","MSFT"],"throttleMs":250,"heartbeatMs":15000,"closesAt":1732280840123}';
    const quote =
      '{"symbol":"AAPL","bid":189.12,"ask":189.14,"bidSize":300,"askSize":200,"last":189.13,"ts":1732280000123}';
    const end = '{"reason":"deadline","quotes":1234,"lastEventId":"1250"}';

    const text =
      encodeRetry(1000) +
      encodeEvent({ event: 'ready', data: ready }) +
      encodeEvent({ id: '17', event: 'quote', data: quote }) +
      encodeComment('heartbeat') +
      encodeEvent({ event: 'status', data: '{"feed":"reconnecting","attempt":2}' }) +
      encodeRetry(1000) +
      encodeEvent({ event: 'end', data: end });

    expect(text).toBe(
      [
        'retry: 1000',
        '',
        'event: ready',
        `data: ${ready}`,
        '',
        'id: 17',
        'event: quote',
        `data: ${quote}`,
        '',
        ': heartbeat',
        '',
        'event: status',
        'data: {"feed":"reconnecting","attempt":2}',
        '',
        'retry: 1000',
        '',
        'event: end',
        `data: ${end}`,
        '',
        '',
      ].join('\n'),
    );
    expect(parse(text)).toEqual([
      { kind: 'retry', ms: 1000 },
      { kind: 'event', event: 'ready', data: ready },
      { kind: 'event', id: '17', event: 'quote', data: quote },
      { kind: 'comment', text: 'heartbeat' },
      { kind: 'event', event: 'status', data: '{"feed":"reconnecting","attempt":2}' },
      { kind: 'retry', ms: 1000 },
      { kind: 'event', event: 'end', data: end },
    ]);
  });
});
