import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { GENERATED_SERIALIZER, generateQuoteSerializer } from '../../../scripts/build/generate-serializer.ts';

describe('core/quote-serializer.generated.js', () => {
  // A schema edited without `node scripts/build/generate-serializer.ts` would leave the gateway
  // writing the old shape.
  it('is what fast-json-stringify generates for core/quote-schema.ts today', async () => {
    const generated = await generateQuoteSerializer();

    expect(await readFile(GENERATED_SERIALIZER, 'utf8')).toBe(generated);
  });
});
