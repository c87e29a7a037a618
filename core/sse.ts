/**
 * Encode Server-Sent Events frames. The encoder is ours (about 40 lines, bound to the contract);
 * tests read its output back with the independent eventsource-parser.
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */

/** One SSE event. `data` may span lines; `event` and `id` may not. */
export interface SseEvent {
  event?: string;
  id?: string;
  data: string;
}

const LINE_BREAK = /\r\n|\r|\n/;

function assertSingleLine(field: string, value: string): void {
  // [spec] A field ends at CR, LF or CRLF, so a line break inside `event` or `id` would start a new
  // field chosen by whoever controls the value: refuse it rather than let it through.
  if (LINE_BREAK.test(value)) throw new TypeError(`SSE ${field} must not contain CR or LF`);
  // [spec] "If the field value does not contain U+0000 NULL, then set the last event ID buffer".
  if (field === 'id' && value.includes('\0')) throw new TypeError('SSE id must not contain NUL');
}

/** Encode one event; multi-line data becomes one `data:` line per line. */
export function encodeEvent(event: SseEvent): string {
  let out = '';
  if (event.id !== undefined) {
    assertSingleLine('id', event.id);
    out += `id: ${event.id}\n`;
  }
  if (event.event !== undefined) {
    assertSingleLine('event', event.event);
    out += `event: ${event.event}\n`;
  }
  for (const line of event.data.split(LINE_BREAK)) out += `data: ${line}\n`;
  return `${out}\n`;
}

/** Encode a comment line (heartbeats); line breaks inside become separate comment lines. */
export function encodeComment(text: string): string {
  return `${text
    .split(LINE_BREAK)
    .map((line) => `: ${line}`)
    .join('\n')}\n\n`;
}

/** Encode the reconnection-time hint. */
export function encodeRetry(retryMs: number): string {
  // A safe integer, because from 1e21 up String() writes exponent notation, which is not "only ASCII
  // digits" and so would be ignored by every client (found by test/unit/properties/sse.test.ts).
  if (!Number.isSafeInteger(retryMs) || retryMs < 0) {
    throw new TypeError('retry must be a non-negative safe integer');
  }
  // [spec] "If the field value consists of only ASCII digits, then interpret the field value as an
  // integer in base ten, and set the event stream's reconnection time to that integer."
  return `retry: ${retryMs}\n\n`;
}
