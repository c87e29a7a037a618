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
      gatewayResponseHeaders: { 'access-control-allow-origin': '*' },
    });
  });

  it('follows serverless.yml: another path, an optional parameter left out, a non-literal header skipped', () => {
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
  it('applies the defaults', () => {
    const issues: ConfigIssue[] = [];

    expect(parseLocalSettings({}, 120, issues)).toEqual({ port: 3000, functionTimeoutS: 120 });
    expect(issues).toEqual([]);
  });

  it('reports every bad variable at once', () => {
    const issues: ConfigIssue[] = [];

    parseLocalSettings({ PORT: '70000', FUNCTION_TIMEOUT_S: '0' }, 300, issues);

    expect(issues.map((issue) => issue.variable)).toEqual(['PORT', 'FUNCTION_TIMEOUT_S']);
  });
});
