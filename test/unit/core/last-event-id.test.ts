import { describe, expect, it } from 'vitest';
import { parseLastEventId } from '../../../core/last-event-id.ts';

describe('parseLastEventId', () => {
  it('returns 0 when the header is absent', () => {
    expect(parseLastEventId(undefined)).toBe(0);
  });

  it.each([
    ['17', 17],
    ['0', 0],
    [' 1250 ', 1250],
    ['007', 7],
    ['9'.repeat(15), 999_999_999_999_999],
  ])('continues after %j', (header, expected) => {
    expect(parseLastEventId(header)).toBe(expected);
  });

  it.each(['', 'abc', '-5', '1.5', '1e3', '0x10', '12abc', '１２', '9'.repeat(17)])(
    'starts fresh on the unusable id %j',
    (header) => {
      expect(parseLastEventId(header)).toBe(0);
    },
  );

  it('starts fresh on an id so large that the next ids would lose integer precision', () => {
    const tooLarge = String(Number.MAX_SAFE_INTEGER - 1_000_000_000 + 1);
    const largest = String(Number.MAX_SAFE_INTEGER - 1_000_000_000);

    expect(parseLastEventId(tooLarge)).toBe(0);
    expect(parseLastEventId(largest)).toBe(Number(largest));
  });
});
