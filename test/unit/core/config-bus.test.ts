/**
 * With BUS_URL a gateway takes its quotes from the bus and never dials the vendor: it is asked for no
 * vendor credentials and keeps none. The ingest dials with BUS_URL set, so it still requires them.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../core/config.ts';
import { FEEDS } from '../../../feeds/registry.ts';
import { parseIngestSettings } from '../../../ingest/settings.ts';

const BUS_URL = 'rediss+cluster://cache:6379';
const KEYS = { ALPACA_KEY_ID: 'test-key-id', ALPACA_SECRET_KEY: 'test-secret' };

describe('parseConfig with BUS_URL', () => {
  it('asks a keyed feed’s gateway for no credentials', () => {
    const result = parseConfig({ FEED: 'alpaca', BUS_URL }, FEEDS);

    expect(result.ok).toBe(true);
    expect(result.ok && { ...result.config.credentials }).toEqual({});
    expect(result.ok && result.config.bus).toMatchObject({ cluster: true, tls: true });
  });

  it('keeps none even when they are in the environment', () => {
    const result = parseConfig({ FEED: 'alpaca', BUS_URL, ...KEYS }, FEEDS);

    expect(result.ok && { ...result.config.credentials }).toEqual({});
  });

  it('reports a malformed BUS_URL alone, not the credentials a bus gateway does not need', () => {
    const result = parseConfig({ FEED: 'alpaca', BUS_URL: 'http://cache:6379' }, FEEDS);

    expect(result.ok ? [] : result.issues.map((issue) => issue.variable)).toEqual(['BUS_URL']);
  });

  it('still requires them without BUS_URL, or when the process dials the vendor itself', () => {
    const direct = parseConfig({ FEED: 'alpaca' }, FEEDS);
    const dialling = parseConfig({ FEED: 'alpaca', BUS_URL }, FEEDS, { dialsVendor: true });

    for (const result of [direct, dialling]) {
      expect(result.ok ? [] : result.issues.map((issue) => issue.variable)).toEqual([
        'ALPACA_KEY_ID, ALPACA_SECRET_KEY',
      ]);
    }
  });
});

describe('parseIngestSettings', () => {
  it('requires the feed’s credentials although BUS_URL is set, and hands them over', () => {
    const missing = parseIngestSettings({ FEED: 'alpaca', BUS_URL });
    const given = parseIngestSettings({ FEED: 'alpaca', BUS_URL, ...KEYS });

    expect(missing.ok ? [] : missing.issues.map((issue) => issue.variable)).toEqual([
      'ALPACA_KEY_ID, ALPACA_SECRET_KEY',
    ]);
    expect(given.ok && { ...given.settings.credentials }).toEqual(KEYS);
  });
});
