/**
 * Offline proof of the deployment: serverless.yml is packaged once with osls (no credentials, no
 * network) and the assertions read what it emitted — the CloudFormation template, the framework
 * state and the zip — never the exit code alone (serverless@3, which predates `transferMode`, exits 0
 * while silently dropping it). The last test loads the packaged bundle from that zip and runs one
 * short stream through it under the local runtime. The bundle is the one `npm run build` made; this
 * project's global-setup.ts builds it only when it is missing, so no test rewrites dist/.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startGateway } from '../helpers/gateway.ts';
import {
  packageService,
  readZip,
  runOsls,
  type CfnResource,
  type PackagedService,
  type ZipEntry,
} from '../helpers/osls.ts';
import { PROJECT_ROOT } from '../helpers/process.ts';
import { openSse } from '../helpers/sse.ts';

const UPSTREAM_URL = 'wss://quotes.example.com/v1/stream';
const BUNDLE = 'dist/stream/index.mjs';
/** [aws] Lambda's INIT phase limit: API Gateway's clock may lead the function's by this much. */
const MAX_INIT_MS = 10_000;
/** The longest a stream's finish may wait for a slow reader after its deadline (core/stream-session.ts). */
const MAX_FINISH_GRACE_MS = 1_000;
/** [aws] TimeoutInMillis range of a REST integration with ResponseTransferMode STREAM: 50 ms to 15 min. */
const STREAM_INTEGRATION_TIMEOUT_RANGE = [50, 900_000] as const;
/** CONTRACT variables the local runtime alone reads. */
const LOCAL_ONLY = ['PORT', 'FUNCTION_TIMEOUT_S'];
/** Deployed values that differ from the contract's default on purpose, and why. */
const JUSTIFIED_DEVIATIONS: Record<string, string> = {
  UPSTREAM_URL:
    'the default is the embedded simulator, which exists only locally; a stage must name its upstream',
};

/** `| \`NAME\` | default | meaning |` rows of docs/CONTRACT.md's configuration table. */
async function contractVariables(): Promise<Map<string, string>> {
  const markdown = await readFile(join(PROJECT_ROOT, 'docs/CONTRACT.md'), 'utf8');
  const section = markdown.slice(markdown.indexOf('### Configuration'));
  const rows = new Map<string, string>();
  for (const match of section.matchAll(/^\| `([A-Z_]+)` \| (.+?) \| .+ \|$/gm)) {
    rows.set(match[1] as string, (match[2] as string).trim());
  }
  return rows;
}

function resourcesOfType(service: PackagedService, type: string): [string, CfnResource][] {
  return Object.entries(service.template.Resources).filter(([, r]) => r.Type === type);
}

function only<T>(items: T[], what: string): T {
  expect(items, what).toHaveLength(1);
  return items[0] as T;
}

describe('serverless.yml packaged with osls', () => {
  let service: PackagedService;
  let zip: ZipEntry[];
  let fn: Record<string, unknown>;
  let method: Record<string, unknown>;
  let integration: Record<string, unknown>;
  let environment: Record<string, string>;

  beforeAll(async () => {
    // The bundle `npm run build` made (global-setup.ts builds it only when missing), packaged as
    // `serverless deploy` would upload it.
    service = await packageService({ stage: 'test', params: { upstreamUrl: UPSTREAM_URL } });
    zip = readZip(await readFile(join(service.dir, 'stream.zip')));
    fn = only(resourcesOfType(service, 'AWS::Lambda::Function'), 'one Lambda function')[1].Properties ?? {};
    method = only(
      resourcesOfType(service, 'AWS::ApiGateway::Method').filter(
        ([, r]) => r.Properties?.HttpMethod === 'GET',
      ),
      'one GET method',
    )[1].Properties as Record<string, unknown>;
    integration = method.Integration as Record<string, unknown>;
    environment = (fn.Environment as { Variables: Record<string, string> }).Variables;
  }, 60_000);

  afterAll(async () => {
    if (service !== undefined) await rm(service.dir, { recursive: true, force: true });
  });

  it('packages without a warning', () => {
    // osls already refuses unknown properties; a deprecation or variable warning would show here.
    expect(service.output).toContain('Service packaged');
    expect(service.output).not.toMatch(/warn/i);
  });

  describe('GET /stream', () => {
    it('is served on the path `stream` by a Lambda proxy integration in STREAM mode', () => {
      const [, resource] = only(resourcesOfType(service, 'AWS::ApiGateway::Resource'), 'one API resource');

      expect(resource.Properties?.PathPart).toBe('stream');
      expect(integration).toMatchObject({
        Type: 'AWS_PROXY',
        IntegrationHttpMethod: 'POST',
        ResponseTransferMode: 'STREAM',
      });
    });

    it('invokes the function through the 2021-11-15 response-streaming-invocations API', () => {
      const uri = JSON.stringify(integration.Uri);
      const [fnLogicalId] = only(resourcesOfType(service, 'AWS::Lambda::Function'), 'one Lambda function');

      expect(uri).toContain(':lambda:path/2021-11-15/functions/');
      expect(uri).toContain('/response-streaming-invocations');
      expect(uri).not.toContain('2015-03-31');
      expect(integration.Uri).toMatchObject({
        'Fn::Join': ['', expect.arrayContaining([{ 'Fn::GetAtt': [fnLogicalId, 'Arn'] }])],
      });
    });

    it('keeps the integration open until the stream has ended, and no longer than the function lives', () => {
      const timeoutMs = (fn.Timeout as number) * 1000;
      const marginMs = Number(environment.DEADLINE_MARGIN_MS);
      const latestStreamEnd = timeoutMs - marginMs; // by the function's clock (CONTRACT §2 Deadline)
      const integrationTimeout = integration.TimeoutInMillis as number;

      // API Gateway starts its timer before a cold start's INIT, the function only after it: the end
      // event must still arrive with up to MAX_INIT_MS of INIT on API Gateway's clock.
      // A slow reader may hold the last bytes up to the finish grace after the deadline.
      expect(integrationTimeout).toBeGreaterThanOrEqual(latestStreamEnd + MAX_FINISH_GRACE_MS + MAX_INIT_MS);
      // Longer than the function can run (timeout plus INIT) would buy nothing.
      expect(integrationTimeout).toBeLessThanOrEqual(timeoutMs + MAX_INIT_MS);
      expect(integrationTimeout).toBeGreaterThanOrEqual(STREAM_INTEGRATION_TIMEOUT_RANGE[0]);
      expect(integrationTimeout).toBeLessThanOrEqual(STREAM_INTEGRATION_TIMEOUT_RANGE[1]);
    });

    it('requires `symbols` through a request validator, so API Gateway refuses a request without it', () => {
      const [validatorId, validator] = only(
        resourcesOfType(service, 'AWS::ApiGateway::RequestValidator'),
        'one validator',
      );

      expect(method.RequestParameters).toEqual({ 'method.request.querystring.symbols': true });
      expect(method.RequestValidatorId).toEqual({ Ref: validatorId });
      expect(validator.Properties).toMatchObject({
        ValidateRequestParameters: true,
        RestApiId: { Ref: 'ApiGatewayRestApi' },
      });
    });

    it('is a REGIONAL endpoint (edge-optimized cuts idle streams at 30 s)', () => {
      const [, api] = only(resourcesOfType(service, 'AWS::ApiGateway::RestApi'), 'one REST API');

      expect(api.Properties?.EndpointConfiguration).toEqual({ Types: ['REGIONAL'] });
    });

    it.each(['DEFAULT_4XX', 'DEFAULT_5XX'])(
      'lets browsers read API Gateway’s own %s answers (CORS header)',
      (type) => {
        const [, response] = only(
          resourcesOfType(service, 'AWS::ApiGateway::GatewayResponse').filter(
            ([, r]) => r.Properties?.ResponseType === type,
          ),
          `one ${type} gateway response`,
        );

        expect(response.Properties?.RestApiId).toEqual({ Ref: 'ApiGatewayRestApi' });
        expect(response.Properties?.ResponseParameters).toMatchObject({
          'gatewayresponse.header.Access-Control-Allow-Origin': "'*'",
        });
      },
    );
  });

  describe('the stream function', () => {
    it('runs the bundle on nodejs24.x, arm64, 128 MB', () => {
      expect(fn).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        MemorySize: 128,
        Handler: 'dist/stream/index.handler',
      });
    });

    it('is traced by X-Ray, and so is the API stage', () => {
      expect(fn.TracingConfig).toEqual({ Mode: 'Active' });
      // Neither osls nor serverless v4 writes the stage's TracingEnabled into the template: both set
      // it with an UpdateStage call after the stack is deployed (…/api-gateway/lib/hack/update-stage.js),
      // driven by this resolved setting.
      expect(service.state.service.provider.tracing).toEqual({ apiGateway: true, lambda: true });
    });

    it('keeps its logs for a bounded time', () => {
      const [, logGroup] = only(resourcesOfType(service, 'AWS::Logs::LogGroup'), 'one log group');

      expect(logGroup.Properties?.RetentionInDays).toBe(14);
    });

    it('sets every CONTRACT variable but the local-only ones, with the contract defaults', async () => {
      const contract = await contractVariables();
      const expectedNames = [...contract.keys()].filter((name) => !LOCAL_ONLY.includes(name));

      expect(expectedNames).toEqual(expect.arrayContaining(['UPSTREAM_URL', 'THROTTLE_MS', 'CORS_ORIGINS']));
      expect(Object.keys(environment).sort()).toEqual([...expectedNames, 'LOG_LEVEL'].sort());
      for (const name of expectedNames) {
        const contractDefault = /^`(.*)`$/.exec(contract.get(name) ?? '')?.[1];
        if (name in JUSTIFIED_DEVIATIONS) continue;
        expect(environment[name], `${name} (contract default ${contract.get(name)})`).toBe(contractDefault);
      }
      expect(environment.UPSTREAM_URL).toBe(UPSTREAM_URL);
      expect(environment.LOG_LEVEL).toBe('info');
    });

    it('ships a zip that holds the bundle and nothing else', async () => {
      const bundle = await readFile(join(PROJECT_ROOT, BUNDLE));

      expect(zip.map((entry) => entry.name)).toEqual([BUNDLE]);
      expect(zip[0]?.data.equals(bundle)).toBe(true);
      expect(fn.Code).toMatchObject({ S3Key: expect.stringMatching(/\/stream\.zip$/) });
    });
  });

  it('refuses to package a stage without an upstream URL, naming the variable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'quote-stream-nourl-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));

    const run = await runOsls(['package', '--package', dir, '--stage', 'test']);

    expect(run.code).not.toBe(0);
    expect(run.output).toContain('UPSTREAM_URL');
    expect(run.output).toContain('"param" source');
  });

  it('streams from the packaged bundle under the local runtime until the end event', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'quote-stream-unzipped-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const handlerPath = join(dir, BUNDLE);
    await mkdir(join(dir, 'dist/stream'), { recursive: true });
    await writeFile(handlerPath, only(zip, 'one file in the zip').data);
    const gateway = await startGateway({
      handlerPath,
      functionTimeoutS: 2,
      env: { DEADLINE_MARGIN_MS: '500', THROTTLE_MS: '20', HEARTBEAT_MS: '200' },
    });

    const stream = await openSse(`${gateway.url}/stream?symbols=AAPL,MSFT`);
    await stream.waitFor(
      'the end event',
      (items) => items.some((i) => i.kind === 'event' && i.event === 'end'),
      5_000,
    );

    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
    const events = stream.events();
    expect(events[0]?.event).toBe('ready');
    const quotes = stream.events('quote');
    expect(quotes.length).toBeGreaterThan(0);
    for (const quote of quotes) {
      expect(quote.id).toMatch(/^\d+$/);
      expect(JSON.parse(quote.data)).toMatchObject({
        symbol: expect.stringMatching(/^(AAPL|MSFT)$/),
        bid: expect.any(Number),
      });
    }
    expect(events.at(-1)?.event).toBe('end');
    expect(JSON.parse(events.at(-1)?.data ?? '{}')).toMatchObject({
      reason: 'deadline',
      quotes: quotes.length,
    });
  });
});
