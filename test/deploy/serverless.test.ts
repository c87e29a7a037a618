/**
 * Offline proof of the deployment: serverless.yml is packaged with osls (no credentials, no network)
 * for a few stages and parameter sets, and the assertions read what it emitted — the CloudFormation
 * template, the framework state and the zips — never the exit code alone (serverless@3, which
 * predates `transferMode`, exits 0 while silently dropping it). The last test loads the packaged
 * stream bundle from its zip and runs one short stream through it under the local runtime. The
 * bundles are the ones `npm run build` made; this project's global-setup.ts builds them only when
 * missing, so no test rewrites dist/.
 */
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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
import { cfnText, parameterArn } from '../helpers/packaged-template.ts';
import { PROJECT_ROOT } from '../helpers/process.ts';
import { openSse } from '../helpers/sse.ts';

const UPSTREAM_URL = 'wss://quotes.example.com/v1/stream';
const BUNDLE = 'dist/stream/index.mjs';
const AUTHORIZER_BUNDLE = 'dist/authorizer/index.mjs';
/** The origin the prod stage is packaged with (prod has no default). */
const PROD_ORIGIN = 'https://app.example.com';
/** Two allowed origins, as `corsOrigins` takes them. */
const TWO_ORIGINS = ['https://app.example.com', 'https://admin.example.com'] as const;
/** A URL with a vendor key in it: refused output must never show it. */
/** Vendor credential variables (CONTRACT §2), set to {@link FAKE_CREDENTIAL} while packaging. */
const CREDENTIAL_NAMES = ['ALPACA_KEY_ID', 'ALPACA_SECRET_KEY', 'FINNHUB_TOKEN', 'MASSIVE_API_KEY'];
const FAKE_CREDENTIAL = 'test-credential-must-not-ship';
const SECRET_UPSTREAM_URL = 'wss://quotes.example.com/v1/stream?apiKey=vendor-key-123';
/** [aws] Lambda's INIT phase limit: API Gateway's clock may lead the function's by this much. */
const MAX_INIT_MS = 10_000;
/** The longest a stream's finish may wait for a slow reader after its deadline (core/stream-session.ts). */
const MAX_FINISH_GRACE_MS = 1_000;
/** [aws] TimeoutInMillis range of a REST integration with ResponseTransferMode STREAM: 50 ms to 15 min. */
const STREAM_INTEGRATION_TIMEOUT_RANGE = [50, 900_000] as const;
/** CONTRACT variables the local runtime alone reads. */
const LOCAL_ONLY = ['PORT', 'FUNCTION_TIMEOUT_S', 'MAX_STREAMS'];
/**
 * CONTRACT variables the deployed stream function must not get, and why. A name is skipped only
 * when the contract lists it.
 */
const NOT_IN_STREAM_FUNCTION: Record<string, string> = {
  AUTH_SECRET: 'the authorizer function checks tokens; it reads the secret from SSM by AUTH_SECRET_PARAMETER',
  AUTH_SECRET_PARAMETER: 'the authorizer function’s variable',
  UPSTREAM_URL_PARAMETER: 'set instead of UPSTREAM_URL on a stage that keeps its URL in SSM (prod)',
  BUS_URL: 'set in scale-out mode only, from the cache endpoint (test/deploy/scale-out.test.ts)',
};
/** Deployed values that differ from the contract's default on purpose, and why. */
const JUSTIFIED_DEVIATIONS: Record<string, string> = {
  UPSTREAM_URL:
    'the default is the embedded simulator, which exists only locally; a stage must name its upstream',
  UPSTREAM_LINGER_MS:
    'one invocation at a time per execution environment: a frozen environment must hold no socket (CONTRACT §2: 0 on Lambda)',
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

/** A handler's built files, entry first, then its chunks by name: what its zip must hold exactly. */
async function bundleFiles(name: string): Promise<{ name: string; data: Buffer }[]> {
  const chunkDir = `dist/${name}/chunks`;
  const chunks = await readdir(join(PROJECT_ROOT, chunkDir)).catch(() => [] as string[]);
  const names = [`dist/${name}/index.mjs`, ...chunks.map((chunk) => `${chunkDir}/${chunk}`).sort()];
  return Promise.all(
    names.map(async (file) => ({ name: file, data: await readFile(join(PROJECT_ROOT, file)) })),
  );
}

function only<T>(items: T[], what: string): T {
  expect(items, what).toHaveLength(1);
  return items[0] as T;
}

function resource(service: PackagedService, logicalId: string): Record<string, unknown> {
  const found = service.template.Resources[logicalId];
  expect(found, logicalId).toBeDefined();
  return found?.Properties ?? {};
}

/** Every Lambda function's environment variables, by logical id. */
function environments(service: PackagedService): [string, Record<string, string>][] {
  return resourcesOfType(service, 'AWS::Lambda::Function').map(([id, r]) => [
    id,
    (r.Properties?.Environment as { Variables?: Record<string, string> } | undefined)?.Variables ?? {},
  ]);
}

interface PolicyStatement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** The statements of an inline-policy IAM role. */
function statements(service: PackagedService, roleId: string): PolicyStatement[] {
  const policies = resource(service, roleId).Policies as {
    PolicyDocument: { Statement: PolicyStatement[] };
  }[];
  return policies.flatMap((p) => p.PolicyDocument.Statement);
}

const actions = (s: PolicyStatement): string[] => [s.Action].flat();

/** `ssm.<region>.amazonaws.com`, the kms:ViaService value of a call SSM makes. */
const SSM_IN_REGION = { 'Fn::Join': ['', ['ssm.', { Ref: 'AWS::Region' }, '.amazonaws.com']] };

/** The role's statements with an action of `awsService` (`ssm`, `kms`). */
function statementsFor(service: PackagedService, roleId: string, awsService: string): PolicyStatement[] {
  return statements(service, roleId).filter((s) => actions(s).some((a) => a.startsWith(`${awsService}:`)));
}

/** The role's kms: statements. */
function kmsStatements(service: PackagedService, roleId: string): PolicyStatement[] {
  return statementsFor(service, roleId, 'kms');
}

/**
 * The function runs as `roleId`, whose ssm: statements allow GetParameter on `parameters` alone (a
 * name ending in `/*` is a folder of the stage: the feed's credentials).
 */
function expectRunsAsRoleReadingOnly(
  service: PackagedService,
  functionId: string,
  roleId: string,
  ...parameters: string[]
): void {
  expect(resource(service, functionId).Role).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
  const ssm = statementsFor(service, roleId, 'ssm') as { Resource: unknown }[];
  // Compared as the text CloudFormation makes of them: the credentials ARN is a join of a split.
  expect(ssm.map((statement) => ({ ...statement, Resource: cfnText(statement.Resource) }))).toEqual(
    parameters.map((parameter) => ({
      Effect: 'Allow',
      Action: 'ssm:GetParameter',
      Resource: cfnText(parameterArn(parameter)),
    })),
  );
}

/** The GET /stream method of a packaged service. */
function getMethod(service: PackagedService): Record<string, unknown> {
  return only(
    resourcesOfType(service, 'AWS::ApiGateway::Method').filter(([, r]) => r.Properties?.HttpMethod === 'GET'),
    'one GET method',
  )[1].Properties as Record<string, unknown>;
}

/** The OPTIONS /stream preflight's integration response. */
function preflight(service: PackagedService): {
  StatusCode: string;
  ResponseParameters: Record<string, string>;
} {
  const method = resource(service, 'ApiGatewayMethodStreamOptions');
  const integration = method.Integration as {
    IntegrationResponses: { StatusCode: string; ResponseParameters: Record<string, string> }[];
  };
  return only(integration.IntegrationResponses, 'one preflight integration response');
}

/**
 * The value CloudFormation makes of the string functions serverless.yml uses on a gateway response
 * header (Fn::Join, Fn::Select, Fn::Split over literals), as the CloudFormation intrinsic function
 * reference defines them; anything else is an error, so a template this cannot read fails the test.
 */
function evaluateStringFunctions(value: unknown): unknown {
  if (typeof value === 'string' || typeof value === 'number') return value;
  if (Array.isArray(value)) return value.map(evaluateStringFunctions);
  const [name, args] = Object.entries(value as Record<string, unknown>)[0] ?? [];
  const evaluated = evaluateStringFunctions(args) as unknown[];
  switch (name) {
    case 'Fn::Join':
      return (evaluated[1] as string[]).join(evaluated[0] as string);
    case 'Fn::Split':
      return (evaluated[1] as string).split(evaluated[0] as string);
    case 'Fn::Select':
      return (evaluated[1] as string[])[evaluated[0] as number];
    default:
      throw new Error(`cannot evaluate ${JSON.stringify(value)}`);
  }
}

/** The Access-Control-Allow-Origin value of a gateway response, as CloudFormation will set it. */
function gatewayResponseOrigin(service: PackagedService, type: string): unknown {
  const [, response] = only(
    resourcesOfType(service, 'AWS::ApiGateway::GatewayResponse').filter(
      ([, r]) => r.Properties?.ResponseType === type,
    ),
    `one ${type} gateway response`,
  );
  return evaluateStringFunctions(
    (response.Properties?.ResponseParameters as Record<string, unknown>)[
      'gatewayresponse.header.Access-Control-Allow-Origin'
    ],
  );
}

/** `osls package` that must fail; returns its output. */
async function packagingFails(args: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'quote-stream-refused-'));
  try {
    const run = await runOsls(['package', '--package', dir, ...args]);
    if (run.code === 0) throw new Error(`osls package ${args.join(' ')} succeeded; it must be refused`);
    return run.output;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/*
 * Every packaging this file checks, started together in the first beforeAll: each `osls package` is a
 * child process of several seconds, and run one after another they made this the suite's longest file.
 */
/**
 * A hang guard, not a speed claim: a dozen `osls package` runs start at once and share two cores, so on
 * a busy machine the last one can take a minute (about 15 s on an idle one).
 */
const PACKAGING_HANG_GUARD_MS = 180_000;

const PACKAGINGS = {
  /** With vendor credentials in osls' environment, as a careless operator's shell would have them. */
  test: {
    stage: 'test',
    params: { upstreamUrl: UPSTREAM_URL },
    env: Object.fromEntries(CREDENTIAL_NAMES.map((name) => [name, FAKE_CREDENTIAL])),
  },
  prod: { stage: 'prod', params: { corsOrigins: PROD_ORIGIN } },
  authOff: { stage: 'test', params: { upstreamUrl: UPSTREAM_URL, auth: 'false' } },
  capped: {
    stage: 'test',
    params: { upstreamUrl: UPSTREAM_URL, reservedConcurrency: '7', authorizerReservedConcurrency: '3' },
  },
  /** A stage that is not a development stage, with its origins named: two of them. */
  twoOrigins: { stage: 'staging', params: { upstreamUrl: UPSTREAM_URL, corsOrigins: TWO_ORIGINS.join(',') } },
  namedGatewayOrigin: {
    stage: 'staging',
    params: {
      upstreamUrl: UPSTREAM_URL,
      corsOrigins: TWO_ORIGINS.join(','),
      gatewayResponseOrigin: TWO_ORIGINS[1],
    },
  },
} as const;
const REFUSALS = {
  authTypo: ['--stage', 'test', '--param', `upstreamUrl=${UPSTREAM_URL}`, '--param', 'auth=off'],
  noUpstream: ['--stage', 'test'],
  prodNoOrigin: ['--stage', 'prod'],
  productionNoOrigin: ['--stage', 'production', '--param', `upstreamUrl=${UPSTREAM_URL}`],
  // prod names its parameter by default (params.prod), so a URL on top of it is both.
  prodBothUpstreams: [
    '--stage',
    'prod',
    '--param',
    `corsOrigins=${PROD_ORIGIN}`,
    '--param',
    `upstreamUrl=${SECRET_UPSTREAM_URL}`,
  ],
  bothUpstreams: [
    '--stage',
    'test',
    '--param',
    'upstreamUrlParameter=/quote-stream/test/upstream-url',
    '--param',
    `upstreamUrl=${SECRET_UPSTREAM_URL}`,
  ],
} as const;
const packagings = new Map<keyof typeof PACKAGINGS, Promise<PackagedService>>();
const refusals = new Map<keyof typeof REFUSALS, Promise<string>>();

function packaged(name: keyof typeof PACKAGINGS): Promise<PackagedService> {
  let run = packagings.get(name);
  if (run === undefined) {
    const packaging: { stage: string; params: Record<string, string>; env?: Record<string, string> } =
      PACKAGINGS[name];
    run = packageService({ stage: packaging.stage, params: { ...packaging.params }, env: packaging.env });
    packagings.set(name, run);
  }
  return run;
}

function refused(name: keyof typeof REFUSALS): Promise<string> {
  let run = refusals.get(name);
  if (run === undefined) {
    run = packagingFails([...REFUSALS[name]]);
    refusals.set(name, run);
  }
  return run;
}

afterAll(async () => {
  const settled = await Promise.allSettled(packagings.values());
  for (const result of settled) {
    if (result.status === 'fulfilled') await rm(result.value.dir, { recursive: true, force: true });
  }
});

describe('serverless.yml packaged with osls', () => {
  let service: PackagedService;
  let zip: ZipEntry[];
  let authorizerZip: ZipEntry[];
  let fn: Record<string, unknown>;
  let method: Record<string, unknown>;
  let integration: Record<string, unknown>;
  let environment: Record<string, string>;

  beforeAll(async () => {
    // The bundle `npm run build` made (global-setup.ts builds it only when missing), packaged as
    // `serverless deploy` would upload it.
    for (const name of Object.keys(PACKAGINGS) as (keyof typeof PACKAGINGS)[])
      void packaged(name).catch(() => {});
    for (const name of Object.keys(REFUSALS) as (keyof typeof REFUSALS)[]) void refused(name).catch(() => {});
    service = await packaged('test');
    zip = readZip(await readFile(join(service.dir, 'stream.zip')));
    authorizerZip = readZip(await readFile(join(service.dir, 'authorizer.zip')));
    fn = resource(service, 'StreamLambdaFunction');
    method = getMethod(service);
    integration = method.Integration as Record<string, unknown>;
    environment = (fn.Environment as { Variables: Record<string, string> }).Variables;
  }, PACKAGING_HANG_GUARD_MS);

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
      const fnLogicalId = 'StreamLambdaFunction';

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
      'lets browsers read API Gateway’s own %s answers (CORS header of the stage’s origin)',
      (type) => {
        expect(gatewayResponseOrigin(service, type)).toBe("'*'");
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

    it('keeps its logs for a bounded time, as every log group of the stage', () => {
      const logGroups = resourcesOfType(service, 'AWS::Logs::LogGroup');

      expect(logGroups.map(([id]) => id).sort()).toEqual(
        ['ApiGatewayLogGroup', 'AuthorizerLogGroup', 'StreamLogGroup'].sort(),
      );
      for (const [, logGroup] of logGroups) expect(logGroup.Properties?.RetentionInDays).toBe(14);
    });

    it('sets every CONTRACT variable but the local-only ones, with the contract defaults', async () => {
      const contract = await contractVariables();
      const expectedNames = [...contract.keys()].filter(
        (name) => !LOCAL_ONLY.includes(name) && !(name in NOT_IN_STREAM_FUNCTION),
      );

      expect(expectedNames).toEqual(expect.arrayContaining(['UPSTREAM_URL', 'THROTTLE_MS', 'CORS_ORIGINS']));
      // CREDENTIALS_SSM_PREFIX: the Lambda shell's own, the NAME prefix of the credential parameters.
      expect(Object.keys(environment).sort()).toEqual(
        [...expectedNames, 'LOG_LEVEL', 'CREDENTIALS_SSM_PREFIX'].sort(),
      );
      for (const name of expectedNames) {
        const contractDefault = /^`(.*)`$/.exec(contract.get(name) ?? '')?.[1];
        if (name in JUSTIFIED_DEVIATIONS) continue;
        expect(environment[name], `${name} (contract default ${contract.get(name)})`).toBe(contractDefault);
      }
      expect(environment.UPSTREAM_URL).toBe(UPSTREAM_URL);
      expect(environment.UPSTREAM_LINGER_MS).toBe('0');
      expect(environment.LOG_LEVEL).toBe('info');
    });

    it('ships a zip that holds the bundle and its chunks, and nothing else', async () => {
      const files = await bundleFiles('stream');

      expect(zip.map((entry) => entry.name).sort()).toEqual(files.map((file) => file.name).sort());
      for (const file of files) {
        expect(zip.find((entry) => entry.name === file.name)?.data.equals(file.data), file.name).toBe(true);
      }
      expect(fn.Code).toMatchObject({ S3Key: expect.stringMatching(/\/stream\.zip$/) });
    });
  });

  describe('the authorizer (on by default)', () => {
    it('guards GET /stream with a REQUEST authorizer whose identity source is the token query parameter', () => {
      const authorizer = resource(service, 'AuthorizerApiGatewayAuthorizer');

      expect(method.AuthorizationType).toBe('CUSTOM');
      expect(method.AuthorizerId).toEqual({ Ref: 'AuthorizerApiGatewayAuthorizer' });
      expect(authorizer).toMatchObject({
        Type: 'REQUEST',
        IdentitySource: 'method.request.querystring.token',
        // The token is the cache key: a cached answer outlives a token's exp by at most this.
        AuthorizerResultTtlInSeconds: 300,
        RestApiId: { Ref: 'ApiGatewayRestApi' },
      });
      expect(JSON.stringify(authorizer.AuthorizerUri)).toContain('"AuthorizerLambdaFunction","Arn"');
    });

    it('runs its own bundle on nodejs24.x, arm64, 128 MB, and its zip holds that bundle alone', async () => {
      const authorizer = resource(service, 'AuthorizerLambdaFunction');
      const files = await bundleFiles('authorizer');

      expect(authorizer).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        MemorySize: 128,
        Handler: 'dist/authorizer/index.handler',
        Code: { S3Key: expect.stringMatching(/\/authorizer\.zip$/) },
      });
      expect(files[0]?.name).toBe(AUTHORIZER_BUNDLE);
      expect(authorizerZip.map((entry) => entry.name).sort()).toEqual(files.map((file) => file.name).sort());
      for (const file of files) {
        const shipped = authorizerZip.find((entry) => entry.name === file.name);
        expect(shipped?.data.equals(file.data), file.name).toBe(true);
      }
    });

    it('gets the NAME of the secret’s SSM parameter, never the secret', () => {
      const authorizerEnv = resource(service, 'AuthorizerLambdaFunction').Environment;

      expect(authorizerEnv).toEqual({
        Variables: { AUTH_SECRET_PARAMETER: '/quote-stream/test/auth-secret', LOG_LEVEL: 'info' },
      });
    });

    it('may read that one parameter and nothing else from SSM; the stream function may not', () => {
      expectRunsAsRoleReadingOnly(
        service,
        'AuthorizerLambdaFunction',
        'AuthorizerFunctionRole',
        '/quote-stream/test/auth-secret',
      );
      expect(JSON.stringify(statements(service, 'StreamFunctionRole'))).not.toContain('auth-secret');
    });

    it('may decrypt through SSM only the secret’s parameter (its ARN as the encryption context)', () => {
      const [kms, ...more] = kmsStatements(service, 'AuthorizerFunctionRole');

      expect(more).toEqual([]);
      expect(kms?.Action).toBe('kms:Decrypt');
      expect(kms?.Condition).toEqual({
        StringEquals: {
          'kms:ViaService': SSM_IN_REGION,
          'kms:EncryptionContext:PARAMETER_ARN': parameterArn('/quote-stream/test/auth-secret'),
        },
      });
    });

    it(
      'has its own reserved concurrency, 10 by default, a stage parameter',
      async () => {
        const capped = await packaged('capped');

        // Without it a flood of made-up tokens (each one a cache miss) draws on the account's pool.
        expect(resource(service, 'AuthorizerLambdaFunction').ReservedConcurrentExecutions).toBe(10);
        expect(resource(capped, 'AuthorizerLambdaFunction').ReservedConcurrentExecutions).toBe(3);
      },
      PACKAGING_HANG_GUARD_MS,
    );

    it(
      'can be switched off per stage (`--param auth=false`), and refuses anything but a boolean',
      async () => {
        const open = await packaged('authOff');

        expect(getMethod(open).AuthorizationType).toBe('NONE');
        expect(getMethod(open).AuthorizerId).toBeUndefined();
        expect(resourcesOfType(open, 'AWS::ApiGateway::Authorizer')).toEqual([]);
        // A typo must not open the stage silently.
        const output = await refused('authTypo');
        expect(output).toContain('functions.stream.events.0.http.authorizer');
        expect(output).toContain('strToBool');
      },
      PACKAGING_HANG_GUARD_MS,
    );
  });

  describe('secrets by reference (defect 12)', () => {
    it('serverless.yml resolves nothing from SSM at deploy time', async () => {
      const yml = await readFile(join(PROJECT_ROOT, 'serverless.yml'), 'utf8');

      // A `${ssm:…}` variable would put the value into the template and the function configuration.
      expect(yml).not.toMatch(/\$\{ssm:/);
    });

    it('reads vendor credentials at run time: only their NAME prefix reaches the function', () => {
      expect(environment.CREDENTIALS_SSM_PREFIX).toBe('/quote-stream/test/credentials/');
      // The folder of the credentials alone: the stream role's wildcard never reaches the auth secret.
      const resources = statements(service, 'StreamFunctionRole').map((s) => cfnText(s.Resource));
      expect(resources).toContain(cfnText(parameterArn('/quote-stream/test/credentials/*')));
    });

    it('no credential value and no `${ssm:` variable reaches the packaged template or framework state', async () => {
      const packagedText = [
        JSON.stringify(service.template),
        JSON.stringify(service.state),
        await readFile(join(PROJECT_ROOT, 'serverless.yml'), 'utf8'),
      ].join('\n');
      // Packaged with these set in osls' environment (PACKAGINGS.test): none may leak in.
      for (const name of CREDENTIAL_NAMES) {
        expect(packagedText, name).not.toContain(`${name}=`);
        expect(Object.keys(environment), name).not.toContain(name);
      }
      expect(packagedText).not.toContain(FAKE_CREDENTIAL);
      expect(packagedText).not.toContain('${ssm:');
    });

    it('no function environment holds a secret: parameter names only, never AUTH_SECRET', () => {
      for (const [id, variables] of environments(service)) {
        expect(Object.keys(variables), id).not.toContain('AUTH_SECRET');
        for (const [name, value] of Object.entries(variables)) {
          if (name.endsWith('_PARAMETER')) expect(value, `${id} ${name}`).toMatch(/^\/[\w./-]+$/);
        }
      }
    });
  });

  describe('the prod stage', () => {
    let prod: PackagedService;

    beforeAll(async () => {
      // No upstreamUrl: prod names its SSM parameter by default. Packaged offline, so nothing can
      // have been fetched from SSM.
      prod = await packaged('prod');
    }, PACKAGING_HANG_GUARD_MS);

    it('passes the stream function the NAME of the upstream URL’s parameter, not the URL', () => {
      const variables = (
        resource(prod, 'StreamLambdaFunction').Environment as { Variables: Record<string, string> }
      ).Variables;

      expect(variables.UPSTREAM_URL_PARAMETER).toBe('/quote-stream/prod/upstream-url');
      expect(variables).not.toHaveProperty('UPSTREAM_URL');
      expect(variables.CORS_ORIGINS).toBe(PROD_ORIGIN);
    });

    it('lets the stream function read that one parameter, decrypted only through SSM', () => {
      const kms = kmsStatements(prod, 'StreamFunctionRole');

      expectRunsAsRoleReadingOnly(
        prod,
        'StreamLambdaFunction',
        'StreamFunctionRole',
        '/quote-stream/prod/upstream-url',
        '/quote-stream/prod/credentials/*',
      );
      expect(kms).toHaveLength(2);
      expect(kms[0]?.Action).toBe('kms:Decrypt');
      // key/* (the operator picks the key), but only through SSM and only for this parameter: SSM
      // passes the parameter's ARN as the encryption context PARAMETER_ARN.
      expect(kms[0]?.Condition).toEqual({
        StringEquals: {
          'kms:ViaService': SSM_IN_REGION,
          'kms:EncryptionContext:PARAMETER_ARN': parameterArn('/quote-stream/prod/upstream-url'),
        },
      });
      // The credentials: any parameter of the stage's credentials folder, still only through SSM.
      expect(kms[1]?.Condition).toEqual({
        StringEquals: { 'kms:ViaService': SSM_IN_REGION },
        StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': expect.anything() },
      });
      const credentialsArn = kms[1]?.Condition?.StringLike?.['kms:EncryptionContext:PARAMETER_ARN'];
      expect(cfnText(credentialsArn)).toBe(cfnText(parameterArn('/quote-stream/prod/credentials/*')));
      expect(kmsStatements(prod, 'AuthorizerFunctionRole')[0]?.Condition?.StringEquals).toMatchObject({
        'kms:EncryptionContext:PARAMETER_ARN': parameterArn('/quote-stream/prod/auth-secret'),
      });
      // Nothing else in either role reaches beyond its own function: no wildcard but X-Ray's.
      for (const role of ['StreamFunctionRole', 'AuthorizerFunctionRole']) {
        for (const statement of statements(prod, role)) {
          if (statement.Resource === '*')
            expect(actions(statement), role).toEqual(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']);
        }
      }
    });

    it('answers the preflight and API Gateway’s own errors for its origin only', () => {
      expect(preflight(prod).ResponseParameters['method.response.header.Access-Control-Allow-Origin']).toBe(
        `'${PROD_ORIGIN}'`,
      );
      expect(gatewayResponseOrigin(prod, 'DEFAULT_4XX')).toBe(`'${PROD_ORIGIN}'`);
      expect(gatewayResponseOrigin(prod, 'DEFAULT_5XX')).toBe(`'${PROD_ORIGIN}'`);
    });

    it(
      'refuses to package without an explicit origin (prod does not default to *)',
      async () => {
        const output = await refused('prodNoOrigin');

        expect(output).toContain('custom.corsOrigins');
      },
      PACKAGING_HANG_GUARD_MS,
    );

    it(
      'refuses a plain upstreamUrl on top of its parameter (the function would fail every cold start)',
      async () => {
        const output = await refused('prodBothUpstreams');

        expect(output).toContain('custom.forbidBothUpstreamUrlAndUpstreamUrlParameter');
        // The URL may carry a vendor key: the refusal names the property, never the value.
        expect(output).not.toContain('vendor-key-123');
      },
      PACKAGING_HANG_GUARD_MS,
    );
  });

  describe('CORS origins by stage', () => {
    it(
      'defaults to * only on the development stages: `production` must name its origins',
      async () => {
        const output = await refused('productionNoOrigin');

        expect(environment.CORS_ORIGINS).toBe('*');
        expect(output).toContain('custom.corsOrigins');
      },
      PACKAGING_HANG_GUARD_MS,
    );

    it(
      'with several origins, API Gateway’s own answers carry the first (a header holds one value)',
      async () => {
        const staging = await packaged('twoOrigins');
        const variables = (
          resource(staging, 'StreamLambdaFunction').Environment as { Variables: Record<string, string> }
        ).Variables;

        expect(variables.CORS_ORIGINS).toBe(TWO_ORIGINS.join(','));
        expect(
          preflight(staging).ResponseParameters['method.response.header.Access-Control-Allow-Origin'],
        ).toBe(`'${TWO_ORIGINS[0]}'`);
        for (const type of ['DEFAULT_4XX', 'DEFAULT_5XX'])
          expect(gatewayResponseOrigin(staging, type), type).toBe(`'${TWO_ORIGINS[0]}'`);
      },
      PACKAGING_HANG_GUARD_MS,
    );

    it(
      'or the one `gatewayResponseOrigin` names',
      async () => {
        const named = await packaged('namedGatewayOrigin');

        for (const type of ['DEFAULT_4XX', 'DEFAULT_5XX'])
          expect(gatewayResponseOrigin(named, type), type).toBe(`'${TWO_ORIGINS[1]}'`);
      },
      PACKAGING_HANG_GUARD_MS,
    );
  });

  describe('OPTIONS /stream', () => {
    it('is answered by API Gateway itself with 204 and the CORS headers of the contract', () => {
      const options = resource(service, 'ApiGatewayMethodStreamOptions');
      const integration = options.Integration as { Type: string; RequestTemplates: Record<string, string> };

      expect(options).toMatchObject({ HttpMethod: 'OPTIONS', AuthorizationType: 'NONE' });
      expect(integration.Type).toBe('MOCK');
      expect(JSON.parse(integration.RequestTemplates['application/json'] ?? '{}')).toEqual({
        statusCode: 204,
      });
      expect((options.MethodResponses as { StatusCode: string }[]).map((r) => r.StatusCode)).toEqual(['204']);
      expect(preflight(service)).toMatchObject({
        StatusCode: '204',
        ResponseParameters: {
          'method.response.header.Access-Control-Allow-Origin': "'*'",
          'method.response.header.Access-Control-Allow-Methods': "'GET'",
          'method.response.header.Access-Control-Allow-Headers': "'last-event-id,cache-control'",
          'method.response.header.Access-Control-Max-Age': "'600'",
        },
      });
    });

    it('is part of the deployment the framework creates (so the first deploy serves it)', () => {
      const [, deployment] = only(resourcesOfType(service, 'AWS::ApiGateway::Deployment'), 'one deployment');

      expect(deployment.DependsOn).toEqual(expect.arrayContaining(['ApiGatewayMethodStreamOptions']));
    });
  });

  describe('the cap on the bill', () => {
    it(
      'reserves the stream function’s concurrency: 50 by default, a stage parameter',
      async () => {
        const capped = await packaged('capped');

        expect(fn.ReservedConcurrentExecutions).toBe(50);
        expect(resource(capped, 'StreamLambdaFunction').ReservedConcurrentExecutions).toBe(7);
      },
      PACKAGING_HANG_GUARD_MS,
    );

    it('writes access logs with the caller’s IP, request id, status and latency, never the query string', () => {
      const restApi = service.state.service.provider.logs as { restApi: Record<string, unknown> };
      const format = restApi.restApi.format as string;

      // osls and serverless v4 set the format with an UpdateStage call after deploy (like tracing):
      // the resolved setting is what they send.
      expect(restApi.restApi).toMatchObject({ accessLogging: true, executionLogging: false });
      expect(JSON.parse(format)).toBeTypeOf('object');
      for (const variable of [
        '$context.identity.sourceIp',
        '$context.requestId',
        '$context.status',
        '$context.responseLatency',
      ]) {
        expect(format).toContain(variable);
      }
      // The token travels in the query string: nothing that could carry it.
      expect(format).not.toMatch(/query|\$input|\$method|requestOverride|\$context\.path\b/i);
      expect(resource(service, 'ApiGatewayLogGroup').LogGroupName).toBe('/aws/api-gateway/quote-stream-test');
    });
  });

  it('refuses to package a stage without an upstream URL or parameter, naming them', async () => {
    const output = await refused('noUpstream');

    expect(output).toContain('custom.requireUpstreamUrlOrUpstreamUrlParameter');
    expect(output).toContain('"param" source');
  });

  it('refuses to package a stage with both an upstream URL and a parameter, never printing the URL', async () => {
    const output = await refused('bothUpstreams');

    expect(output).toContain('custom.forbidBothUpstreamUrlAndUpstreamUrlParameter');
    expect(output).not.toContain('vendor-key-123');
  });

  it('streams from the packaged bundle under the local runtime until the end event', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'quote-stream-unzipped-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const handlerPath = join(dir, BUNDLE);
    // Every file of the zip where the zip puts it: the bundle imports its chunks by relative path.
    for (const entry of zip) {
      await mkdir(dirname(join(dir, entry.name)), { recursive: true });
      await writeFile(join(dir, entry.name), entry.data);
    }
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
