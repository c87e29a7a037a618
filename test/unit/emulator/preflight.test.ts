import { describe, expect, it } from 'vitest';
import { preflightHeaders, type PreflightOptions } from '../../../emulator/apigw/preflight.ts';

const BASE: Omit<PreflightOptions, 'allowOrigins'> = {
  allowMethods: ['GET'],
  allowHeaders: ['last-event-id', 'cache-control'],
  maxAgeS: 600,
};

describe('preflightHeaders', () => {
  it("allows any origin with '*', without vary", () => {
    expect(preflightHeaders({ ...BASE, allowOrigins: '*' }, 'https://a.example')).toEqual({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET',
      'access-control-allow-headers': 'last-event-id, cache-control',
      'access-control-max-age': '600',
    });
  });

  it('echoes a listed origin, compared without case, with vary: origin', () => {
    const headers = preflightHeaders(
      { ...BASE, allowOrigins: ['https://app.example.com'] },
      'https://App.Example.com',
    );

    expect(headers['access-control-allow-origin']).toBe('https://App.Example.com');
    expect(headers.vary).toBe('origin');
  });

  it.each([
    ['an unlisted origin', 'https://evil.example'],
    ['no origin', undefined],
  ])('allows no origin for %s, and still says vary: origin', (_name, origin) => {
    const headers = preflightHeaders({ ...BASE, allowOrigins: ['https://app.example.com'] }, origin);

    expect(headers['access-control-allow-origin']).toBeUndefined();
    expect(headers.vary).toBe('origin');
    expect(headers['access-control-allow-methods']).toBe('GET');
  });
});
