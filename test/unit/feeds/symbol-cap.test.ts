import { describe, expect, it } from 'vitest';
import { admitSymbols } from '../../../feeds/symbol-cap.ts';

describe('admitSymbols', () => {
  it('takes new symbols up to the cap and refuses the rest, in order', () => {
    const wanted = new Set(['A']);

    expect(admitSymbols(wanted, ['B', 'A', 'C', 'D', 'C'], 3)).toEqual({ added: ['B', 'C'], over: ['D'] });
    expect([...wanted]).toEqual(['A', 'B', 'C']);
  });

  it('has no cap by default', () => {
    const symbols = Array.from({ length: 2000 }, (_, i) => `S${i}`);

    expect(admitSymbols(new Set(), symbols)).toEqual({ added: symbols, over: [] });
  });
});
