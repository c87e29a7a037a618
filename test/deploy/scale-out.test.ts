/**
 * Offline proof of scale-out mode (params scaleOut, deploy/scale-out.yml, deploy/ingest.yml): the
 * template osls packages with it on holds the VPC'd stream function, the Valkey serverless cache, the
 * ingest on Fargate and their least-privilege roles, wired to each other; with it off (the default)
 * none of that exists and the template is the one serverless.yml makes without scale-out. Same method
 * as serverless.test.ts: every packaging starts at once, in private copies, and the assertions read the
 * emitted template, never an exit code alone. What scale-out mode refuses: scale-out-inputs.test.ts.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withConditionsApplied } from '../helpers/cfn-conditions.ts';
import { packageService, type PackagedService } from '../helpers/osls.ts';
import {
  byName,
  cfnText,
  parameterArn,
  properties,
  resource,
  stableResources,
} from '../helpers/packaged-template.ts';

const UPSTREAM_URL = 'wss://quotes.example.com/v1/stream';
/** Obviously fake network ids: packaging checks none of them against AWS. */
const NETWORK = { vpcId: 'vpc-0test', subnetIds: 'subnet-0a,subnet-0b', securityGroupIds: 'sg-0egress' };
const SCALE_OUT = { scaleOut: 'true', ...NETWORK, ingestImageTag: 'test-tag' };
/** Types only scale-out mode may add. */
const SCALE_OUT_TYPES = ['AWS::ElastiCache::ServerlessCache', 'AWS::EC2::SecurityGroup', 'AWS::IAM::Policy'];
const SCALE_OUT_RESOURCES = [
  ...['BusCache', 'BusCacheSecurityGroup', 'BusClientSecurityGroup', 'StreamFunctionVpcAccess'],
  ...['IngestCluster', 'IngestExecutionRole', 'IngestLogGroup', 'IngestService'],
  ...['IngestTaskDefinition', 'IngestTaskRole'],
].sort();

const PACKAGINGS = {
  off: { stage: 'test', params: { upstreamUrl: UPSTREAM_URL } },
  on: { stage: 'test', params: { upstreamUrl: UPSTREAM_URL, ...SCALE_OUT } },
  /** prod keeps its upstream URL in SSM; alpaca needs two credentials. */
  prodAlpaca: {
    stage: 'prod',
    params: { corsOrigins: 'https://app.example.com', feed: 'alpaca', ...SCALE_OUT },
  },
} as const;
const packagings = new Map<string, Promise<PackagedService>>();
const packaged = (name: keyof typeof PACKAGINGS): Promise<PackagedService> =>
  packagings.get(name) as Promise<PackagedService>;

// Started together, awaited here (the hook's timeout, not each test's, covers a busy machine).
beforeAll(async () => {
  for (const [name, { stage, params }] of Object.entries(PACKAGINGS)) {
    packagings.set(name, packageService({ stage, params: { ...params } }));
  }
  await Promise.allSettled(packagings.values());
});

afterAll(async () => {
  for (const result of await Promise.allSettled(packagings.values())) {
    if (result.status === 'fulfilled') await rm(result.value.dir, { recursive: true, force: true });
  }
});

/** The ingest container's definition, with the template's conditions applied. */
function container(service: PackagedService): Record<string, unknown> {
  const task = properties(service, 'IngestTaskDefinition');
  const definitions = withConditionsApplied(task.ContainerDefinitions, service.template.Conditions);
  return (definitions as Record<string, unknown>[])[0] ?? {};
}
const SUBNETS = { 'Fn::Split': [',', NETWORK.subnetIds] };
const SECURITY_GROUPS = {
  'Fn::Split': [',', { 'Fn::Join': [',', [NETWORK.securityGroupIds, { Ref: 'BusClientSecurityGroup' }]] }],
};
/** The cache's endpoint as a cluster (cfnText: GetAtt shown as <Id.Attribute>). */
const BUS_URL = 'rediss+cluster://<BusCache.Endpoint.Address>:<BusCache.Endpoint.Port>';

describe('scale-out off (the default)', () => {
  it('adds no VPC, no cache, no ECS, no bus: the template without scale-out', async () => {
    const [off, on] = await Promise.all([packaged('off'), packaged('on')]);
    const types = Object.values(off.template.Resources).map((r) => r.Type);
    const fn = properties(off, 'StreamLambdaFunction');

    expect(types.filter((type) => SCALE_OUT_TYPES.includes(type) || type.startsWith('AWS::ECS::'))).toEqual(
      [],
    );
    expect(fn.VpcConfig).toBeUndefined();
    expect(fn.Environment).not.toHaveProperty('Variables.BUS_URL');
    expect(resource(off, 'StreamLambdaFunction').DependsOn).toEqual(['StreamLogGroup', 'StreamFunctionRole']);
    expect(off.template.Conditions).toBeUndefined();
    expect(Object.keys(off.template.Outputs ?? {})).not.toContain('BusEndpoint');
    // Scale-out only adds: every resource of the plain template is there unchanged, but the function
    // and its role (no vendor credentials: below).
    const on_ = stableResources(on);
    const off_ = stableResources(off);
    expect(
      Object.keys(on_)
        .filter((id) => !(id in off_))
        .sort(),
    ).toEqual(SCALE_OUT_RESOURCES);
    for (const [id, r] of Object.entries(off_)) {
      if (!['StreamLambdaFunction', 'StreamFunctionRole'].includes(id)) expect(on_[id], id).toEqual(r);
    }
  });
});

describe('scale-out on', () => {
  let on: PackagedService;
  beforeAll(async () => {
    on = await packaged('on');
  });

  it('puts the stream function in the given subnets, in the given groups plus the bus-client group', () => {
    const fn = properties(on, 'StreamLambdaFunction');

    expect(fn.VpcConfig).toEqual({ SubnetIds: SUBNETS, SecurityGroupIds: SECURITY_GROUPS });
    expect(properties(on, 'BusClientSecurityGroup')).toMatchObject({ VpcId: NETWORK.vpcId });
  });

  it('adds a Valkey serverless cache (TLS only) in the same subnets, bounded by usage limits', () => {
    expect(properties(on, 'BusCache')).toEqual({
      ServerlessCacheName: 'quote-stream-test-bus',
      Description: expect.any(String),
      Engine: 'valkey',
      MajorEngineVersion: '8',
      SubnetIds: SUBNETS,
      SecurityGroupIds: [{ Ref: 'BusCacheSecurityGroup' }],
      CacheUsageLimits: { DataStorage: { Maximum: 1, Unit: 'GB' }, ECPUPerSecond: { Maximum: 20000 } },
      SnapshotRetentionLimit: 0,
    });
  });

  it('lets only the bus-client group reach the cache, on 6379 alone, and the cache reach nothing', () => {
    const group = properties(on, 'BusCacheSecurityGroup');

    expect(group.VpcId).toBe(NETWORK.vpcId);
    expect(group.SecurityGroupIngress).toEqual([
      expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: 6379,
        ToPort: 6379,
        SourceSecurityGroupId: { Ref: 'BusClientSecurityGroup' },
      }),
    ]);
    expect(group.SecurityGroupEgress).toEqual([
      expect.objectContaining({
        IpProtocol: 'icmp',
        FromPort: 252,
        ToPort: 86,
        CidrIp: '255.255.255.255/32',
      }),
    ]);
  });

  it('wires BUS_URL to the cache endpoint (rediss+cluster://) in the stream function and the ingest', () => {
    const fn = properties(on, 'StreamLambdaFunction').Environment as { Variables: { BUS_URL: unknown } };

    expect(cfnText(fn.Variables.BUS_URL)).toBe(BUS_URL);
    expect(cfnText(byName(container(on).Environment).BUS_URL)).toBe(BUS_URL);
  });

  it('gives the stream function ENI permissions only, in a policy of its own it waits for', () => {
    const policy = properties(on, 'StreamFunctionVpcAccess');
    const statements = (policy.PolicyDocument as { Statement: { Action: string[]; Resource: unknown }[] })
      .Statement;

    expect(policy.Roles).toEqual([{ Ref: 'StreamFunctionRole' }]);
    expect(statements.flatMap((s) => s.Action).sort()).toEqual([
      ...['ec2:AssignPrivateIpAddresses', 'ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface'],
      ...['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:UnassignPrivateIpAddresses'],
    ]);
    expect(resource(on, 'StreamLambdaFunction').DependsOn).toContain('StreamFunctionVpcAccess');
  });

  it('gives the stream function no vendor credentials: no prefix, its role denies their folder', async () => {
    const off = await packaged('off');
    const variables = (service: PackagedService): unknown =>
      (properties(service, 'StreamLambdaFunction').Environment as { Variables: unknown }).Variables;
    type Statement = { Effect: string; Action: string };
    const statements = (service: PackagedService): Statement[] =>
      (
        properties(service, 'StreamFunctionRole').Policies as { PolicyDocument: { Statement: Statement[] } }[]
      ).flatMap((policy) => policy.PolicyDocument.Statement);
    // The vendor's secrets: the credentials folder and the upstream URL parameter (it may carry a key).
    const onFolder = (statement: Statement): boolean =>
      /\/credentials\/|\/upstream-url/.test(JSON.stringify(statement));
    const folder = (service: PackagedService): string[] =>
      statements(service)
        .filter(onFolder)
        .map((s) => `${s.Effect} ${s.Action}`);

    expect(variables(off)).toHaveProperty('CREDENTIALS_SSM_PREFIX', '/quote-stream/test/credentials/');
    expect(variables(on)).not.toHaveProperty('CREDENTIALS_SSM_PREFIX');
    expect(variables(on)).not.toHaveProperty('UPSTREAM_URL_PARAMETER');
    expect(variables(on)).not.toHaveProperty('UPSTREAM_URL');
    const grants = (effect: string): string[] =>
      [1, 2].flatMap(() => [`${effect} ssm:GetParameter`, `${effect} kms:Decrypt`]);
    expect(folder(off)).toEqual(grants('Allow'));
    // No grant on the vendor's secrets: an explicit deny, which no policy attached later can override.
    expect(folder(on)).toEqual(grants('Deny'));
    expect(statements(on).filter((s) => !onFolder(s))).toEqual(statements(off).filter((s) => !onFolder(s)));
  });

  it('runs the ingest on Fargate arm64, 0.25 vCPU / 0.5 GB, from the ECR image, logs kept 14 days', () => {
    const task = properties(on, 'IngestTaskDefinition');
    const ingest = container(on);

    expect(task).toMatchObject({
      RequiresCompatibilities: ['FARGATE'],
      NetworkMode: 'awsvpc',
      Cpu: '256',
      Memory: '512',
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      ExecutionRoleArn: { 'Fn::GetAtt': ['IngestExecutionRole', 'Arn'] },
      TaskRoleArn: { 'Fn::GetAtt': ['IngestTaskRole', 'Arn'] },
    });
    expect(JSON.stringify(ingest.Image)).toMatch(/\.dkr\.ecr\..*\/quote-stream-ingest:test-tag"/);
    expect(ingest).toMatchObject({ Essential: true, ReadonlyRootFilesystem: true });
    expect(ingest.LogConfiguration).toMatchObject({
      LogDriver: 'awslogs',
      Options: { 'awslogs-group': { Ref: 'IngestLogGroup' } },
    });
    expect(properties(on, 'IngestLogGroup').RetentionInDays).toBe(14);
  });

  it('keeps two tasks (one holds the lease, one stands by) in the same subnets and groups', () => {
    expect(properties(on, 'IngestService')).toMatchObject({
      Cluster: { Ref: 'IngestCluster' },
      TaskDefinition: { Ref: 'IngestTaskDefinition' },
      LaunchType: 'FARGATE',
      DesiredCount: 2,
      DeploymentConfiguration: { MinimumHealthyPercent: 100, MaximumPercent: 200 },
      NetworkConfiguration: {
        AwsvpcConfiguration: {
          Subnets: SUBNETS,
          SecurityGroups: SECURITY_GROUPS,
          AssignPublicIp: 'DISABLED',
        },
      },
    });
  });

  it('gives a plain-URL stage its feed, URL and lease settings as variables and no secrets', () => {
    const ingest = container(on);

    const variables = byName(ingest.Environment);
    expect({ ...variables, BUS_URL: cfnText(variables.BUS_URL) }).toEqual({
      FEED: 'native',
      BUS_URL,
      INGEST_LEASE_MS: '15000',
      INGEST_GRACE_MS: '2000',
      LOG_LEVEL: 'info',
      UPSTREAM_URL: UPSTREAM_URL,
    });
    expect(ingest.Secrets).toEqual([]);
  });

  it('hands vendor credentials and an SSM upstream URL over as ECS secrets from SSM ARNs, never values', async () => {
    const prod = await packaged('prodAlpaca');
    const ingest = container(prod);

    const arn = (name: string): string => cfnText(parameterArn(name));
    expect(Object.entries(byName(ingest.Secrets, 'ValueFrom')).map(([k, v]) => [k, cfnText(v)])).toEqual([
      ['UPSTREAM_URL', arn('/quote-stream/prod/upstream-url')],
      ['ALPACA_KEY_ID', arn('/quote-stream/prod/credentials/ALPACA_KEY_ID')],
      ['ALPACA_SECRET_KEY', arn('/quote-stream/prod/credentials/ALPACA_SECRET_KEY')],
    ]);
    expect(Object.keys(byName(ingest.Environment)).sort()).toEqual(
      ['BUS_URL', 'FEED', 'INGEST_GRACE_MS', 'INGEST_LEASE_MS', 'LOG_LEVEL'].sort(),
    );
  });

  it('lets ECS pull this repository, write this log group and read this stage’s parameters, nothing more', async () => {
    const prod = await packaged('prodAlpaca');
    const [policy] = properties(prod, 'IngestExecutionRole').Policies as {
      PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown; Condition?: unknown }[] };
    }[];
    const statements = policy?.PolicyDocument.Statement ?? [];
    const credentials = cfnText(parameterArn('/quote-stream/prod/credentials/*'));
    const upstream = cfnText(parameterArn('/quote-stream/prod/upstream-url'));
    const texts = (values: unknown): string[] => (values as unknown[]).map(cfnText);

    expect(statements.map((s) => [s.Action, s.Resource])).toEqual([
      [['logs:CreateLogStream', 'logs:PutLogEvents'], { 'Fn::GetAtt': ['IngestLogGroup', 'Arn'] }],
      ['ecr:GetAuthorizationToken', '*'],
      [
        ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
        expect.objectContaining({
          'Fn::Join': ['', expect.arrayContaining([':repository/quote-stream-ingest'])],
        }),
      ],
      ['ssm:GetParameters', expect.anything()],
      ['kms:Decrypt', expect.anything()],
    ]);
    expect(texts(statements[3]?.Resource)).toEqual([credentials, upstream]);
    const condition = statements[4]?.Condition as { StringLike: Record<string, unknown> };
    expect(texts(condition.StringLike['kms:EncryptionContext:PARAMETER_ARN'])).toEqual([
      credentials,
      upstream,
    ]);
    const taskRole = properties(prod, 'IngestTaskRole');
    expect(taskRole.Policies).toBeUndefined();
    expect(taskRole.ManagedPolicyArns).toBeUndefined();
  });
});
