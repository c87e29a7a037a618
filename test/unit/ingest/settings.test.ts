/** The ingest's configuration (ingest/settings.ts): every bad variable in one refusal; BUS_URL required. */
import { describe, expect, it } from 'vitest';
import { parseIngestSettings } from '../../../ingest/settings.ts';

const variables = (env: Record<string, string>): string[] => {
  const parsed = parseIngestSettings(env);
  return parsed.ok ? [] : parsed.issues.map((issue) => issue.variable).sort();
};

describe('the ingest settings', () => {
  it('lists every bad variable together, BUS_URL among them', () => {
    expect(
      variables({ INGEST_LEASE_MS: '10', INGEST_GRACE_MS: 'soon', LOG_LEVEL: 'loud', FEED: 'native' }),
    ).toEqual(['BUS_URL', 'INGEST_GRACE_MS', 'INGEST_LEASE_MS', 'LOG_LEVEL']);
  });

  it('requires BUS_URL even when everything else is fine', () => {
    const parsed = parseIngestSettings({ FEED: 'native', UPSTREAM_URL: 'ws://127.0.0.1:9/' });
    expect(parsed).toMatchObject({ ok: false, issues: [{ variable: 'BUS_URL' }] });
  });

  it('accepts a complete environment with the default lease and grace', () => {
    const parsed = parseIngestSettings({
      FEED: 'native',
      UPSTREAM_URL: 'ws://127.0.0.1:9/',
      BUS_URL: 'redis://127.0.0.1:6390',
    });
    expect(parsed).toMatchObject({
      ok: true,
      settings: { upstreamUrl: 'ws://127.0.0.1:9/', leaseMs: 15_000, graceMs: 2000, bus: { cluster: false } },
    });
  });
});
