import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConfigIssue } from '../../../core/errors.ts';
import { parseLocalSettings, readDeployedApi, readDeployedTimeoutS } from '../../../dev/settings.ts';

const SERVERLESS_YML = resolve(import.meta.dirname, '../../../serverless.yml');
const scratch = mkdtempSync(join(tmpdir(), 'qs-settings-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function yml(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

describe('readDeployedApi', () => {
  it("reads the route, the validator's required parameters and the gateway-response headers of serverless.yml", () => {
    const api = readDeployedApi(SERVERLESS_YML);

    expect(api).toEqual({
      route: { method: 'GET', path: '/stream' },
      requiredQueryParameters: ['symbols'],
      // The stage's origin is a serverless variable: left to dev/gateway.ts, which knows CORS_ORIGINS.
      gatewayResponseHeaders: {},
    });
  });

  it('follows serverless.yml: another path, an optional parameter left out, non-literal headers skipped (a mapping, a serverless variable)', () => {
    const path = yml(
      'other.yml',
      `functions:
  stream:
    events:
      - http:
          path: /v2/quotes
          method: get
          request:
            parameters:
              querystrings: { symbols: true, token: true, debug: false }
resources:
  Resources:
    Deny:
      Type: AWS::ApiGateway::GatewayResponse
      Properties:
        ResponseParameters:
          gatewayresponse.header.X-Static: "'yes'"
          gatewayresponse.header.X-Echo: method.request.header.origin
          gatewayresponse.header.X-Stage: "'\${self:custom.gatewayResponseOrigin}'"
`,
    );

    expect(readDeployedApi(path)).toEqual({
      route: { method: 'GET', path: '/v2/quotes' },
      requiredQueryParameters: ['symbols', 'token'],
      gatewayResponseHeaders: { 'x-static': 'yes' },
    });
  });

  it('refuses a serverless.yml without an http event for stream, naming the file', () => {
    const path = yml('no-http.yml', 'functions:\n  stream:\n    timeout: 30\n');

    expect(() => readDeployedApi(path)).toThrow(/no-http\.yml: functions\.stream needs an http event/);
  });
});

describe('readDeployedTimeoutS', () => {
  it('reads functions.stream.timeout', () => {
    expect(readDeployedTimeoutS(yml('t.yml', 'functions:\n  stream:\n    timeout: 42\n'))).toBe(42);
  });

  it.each([
    ['a missing file', 'absent.yml', undefined],
    ['a timeout above the 900 s maximum', 'above.yml', 'functions:\n  stream:\n    timeout: 901\n'],
    ['a string timeout', 'string.yml', "functions:\n  stream:\n    timeout: '30'\n"],
  ])('falls back to 300 s for %s', (_name, file, text) => {
    const path = text === undefined ? join(scratch, file) : yml(file, text);

    expect(readDeployedTimeoutS(path)).toBe(300);
  });
});

describe('parseLocalSettings', () => {
  it("applies the defaults: 5000 streams, auth off, TCP_NODELAY on (Node's default)", () => {
    const issues: ConfigIssue[] = [];

    expect(parseLocalSettings({}, 120, issues)).toEqual({
      port: 3000,
      functionTimeoutS: 120,
      maxStreams: 5000,
      authSecret: undefined,
      tcpNoDelay: true,
    });
    expect(issues).toEqual([]);
  });

  it('reads MAX_STREAMS from 1 to 100000 and an AUTH_SECRET of 32 characters or more', () => {
    const issues: ConfigIssue[] = [];
    const secret = 's'.repeat(32);

    const low = parseLocalSettings({ MAX_STREAMS: '1', AUTH_SECRET: secret }, 300, issues);
    const high = parseLocalSettings({ MAX_STREAMS: '100000', AUTH_SECRET: '  ' }, 300, issues);

    expect([low.maxStreams, low.authSecret]).toEqual([1, secret]);
    expect([high.maxStreams, high.authSecret]).toEqual([100_000, undefined]);
    expect(issues).toEqual([]);
  });

  it.each([
    ['true', true],
    ['false', false],
    [' FALSE ', false],
    ['True', true],
    ['', true],
    ['  ', true],
  ])('reads TCP_NODELAY=%j as %s', (value, expected) => {
    const issues: ConfigIssue[] = [];

    expect(parseLocalSettings({ TCP_NODELAY: value }, 300, issues).tcpNoDelay).toBe(expected);
    expect(issues).toEqual([]);
  });

  it.each(['0', '1', 'yes', 'off', 'nagle'])('refuses TCP_NODELAY=%s, naming both values', (value) => {
    const issues: ConfigIssue[] = [];

    parseLocalSettings({ TCP_NODELAY: value }, 300, issues);

    expect(issues).toEqual([
      { variable: 'TCP_NODELAY', value, expected: expect.stringMatching(/true.*false/) },
    ]);
  });

  it('reports every bad variable at once, and never the secret itself', () => {
    const issues: ConfigIssue[] = [];
    const shortSecret = 'hunter2-but-longer';

    parseLocalSettings(
      {
        PORT: '70000',
        FUNCTION_TIMEOUT_S: '0',
        MAX_STREAMS: '100001',
        AUTH_SECRET: shortSecret,
        TCP_NODELAY: 'maybe',
      },
      300,
      issues,
    );

    expect(issues.map((issue) => issue.variable)).toEqual([
      'PORT',
      'FUNCTION_TIMEOUT_S',
      'MAX_STREAMS',
      'AUTH_SECRET',
      'TCP_NODELAY',
    ]);
    expect(JSON.stringify(issues)).not.toContain(shortSecret);
    expect(issues.find((issue) => issue.variable === 'AUTH_SECRET')?.expected).toMatch(
      /at least 32 characters/,
    );
  });

  it.each(['0', '-1', '1.5', 'many'])('refuses MAX_STREAMS=%s', (value) => {
    const issues: ConfigIssue[] = [];

    const settings = parseLocalSettings({ MAX_STREAMS: value }, 300, issues);

    expect(issues.map((issue) => issue.variable)).toEqual(['MAX_STREAMS']);
    expect(settings.maxStreams).toBe(5000);
  });
});
