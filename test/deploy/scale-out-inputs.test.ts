/**
 * What scale-out mode takes as input and refuses, offline. The ingest's credential table
 * (deploy/ingest.yml `secrets.byFeed`) against the feed registry: ECS hands the ingest exactly the
 * credentials its feed's adapter needs, as secrets from SSM, so a feed registered without a row, or a
 * row naming a credential the adapter does not read, fails here instead of at the first task start on
 * AWS. A `credentialsParameterPrefix` without its final slash names the same parameters as with it.
 * And `osls package` refuses a `scaleOut` typo, scale-out without its network, and an unknown FEED
 * (no row), each at the property that names the problem. The packaged template itself:
 * scale-out.test.ts.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEEDS } from '../../feeds/registry.ts';
import { withConditionsApplied } from '../helpers/cfn-conditions.ts';
import { packageService, runOsls, type PackagedService } from '../helpers/osls.ts';
import { byName, cfnText, parameterArn, properties } from '../helpers/packaged-template.ts';
import { PROJECT_ROOT } from '../helpers/process.ts';

const NETWORK = { vpcId: 'vpc-0test', subnetIds: 'subnet-0a', securityGroupIds: 'sg-0egress' };
const SCALE_OUT = {
  upstreamUrl: 'wss://quotes.example.com/v1/stream',
  scaleOut: 'true',
  ...NETWORK,
  ingestImageTag: 'test-tag',
};
/** prod (its upstream URL in SSM) with alpaca (two credentials), the folder without its final slash. */
const UNSLASHED = {
  scaleOut: 'true',
  ...NETWORK,
  ingestImageTag: 'test-tag',
  corsOrigins: 'https://app.example.com',
  feed: 'alpaca',
  credentialsParameterPrefix: '/quote-stream/prod/credentials',
};
const REFUSALS = {
  typo: { upstreamUrl: SCALE_OUT.upstreamUrl, scaleOut: 'yes' },
  noNetwork: { upstreamUrl: SCALE_OUT.upstreamUrl, scaleOut: 'true', ingestImageTag: 'test-tag' },
  unknownFeed: { ...SCALE_OUT, feed: 'nope' },
};
const refusals = new Map<keyof typeof REFUSALS, string>();
let unslashed: PackagedService | undefined;

/** osls' output for a packaging that must fail. */
async function refused(params: Record<string, string>): Promise<string> {
  const args = Object.entries(params).flatMap(([key, value]) => ['--param', `${key}=${value}`]);
  const run = await runOsls(['package', '--stage', 'test', ...args]);
  if (run.code === 0) throw new Error(`osls package ${args.join(' ')} succeeded; it must be refused`);
  return run.output;
}

// Started together, awaited in the hook (its timeout covers a busy machine).
beforeAll(async () => {
  await Promise.all([
    ...(Object.keys(REFUSALS) as (keyof typeof REFUSALS)[]).map(async (name) => {
      refusals.set(name, await refused(REFUSALS[name]));
    }),
    packageService({ stage: 'prod', params: UNSLASHED }).then((service) => (unslashed = service)),
  ]);
});

afterAll(async () => {
  if (unslashed !== undefined) await rm(unslashed.dir, { recursive: true, force: true });
});

describe('scale-out inputs', () => {
  it('names, for every registered feed, exactly the credentials its adapter needs', async () => {
    const table = parse(await readFile(join(PROJECT_ROOT, 'deploy/ingest.yml'), 'utf8')) as {
      secrets: { byFeed: Record<string, { Name?: string }[]> };
    };

    expect(FEEDS.length).toBeGreaterThan(1);
    for (const { name: feed, credentialNames } of FEEDS) {
      expect(table.secrets.byFeed, feed).toHaveProperty([feed]);
      // The UPSTREAM_URL item is conditional (an Fn::If, no Name of its own).
      const names = (table.secrets.byFeed[feed] ?? []).flatMap((s) => s.Name ?? []);
      expect(names, feed).toEqual([...credentialNames]);
    }
  });

  it('reads the same parameters from a credentials prefix without its final slash', () => {
    const service = unslashed as PackagedService;
    const [container] = withConditionsApplied(
      properties(service, 'IngestTaskDefinition').ContainerDefinitions,
      service.template.Conditions,
    ) as { Secrets: unknown }[];
    const [policy] = properties(service, 'IngestExecutionRole').Policies as {
      PolicyDocument: { Statement: { Action: string; Resource: unknown[]; Condition?: unknown }[] };
    }[];
    const ssm = policy?.PolicyDocument.Statement.find((s) => s.Action === 'ssm:GetParameters');
    const arn = (name: string): string => cfnText(parameterArn(`/quote-stream/prod/${name}`));

    const secrets = Object.entries(byName(container?.Secrets, 'ValueFrom'));
    expect(secrets.map(([name, value]) => [name, cfnText(value)])).toEqual([
      ['UPSTREAM_URL', arn('upstream-url')],
      ['ALPACA_KEY_ID', arn('credentials/ALPACA_KEY_ID')],
      ['ALPACA_SECRET_KEY', arn('credentials/ALPACA_SECRET_KEY')],
    ]);
    // The folder's parameters, not every name that merely begins with "credentials".
    expect(ssm?.Resource.map(cfnText)).toEqual([arn('credentials/*'), arn('upstream-url')]);
    // The stream role's statements on the folder (a deny in this mode) name the same folder.
    const [streamPolicy] = properties(service, 'StreamFunctionRole').Policies as {
      PolicyDocument: { Statement: { Action: string; Resource: unknown }[] };
    }[];
    const onFolder = streamPolicy?.PolicyDocument.Statement.filter((s) =>
      JSON.stringify(s).includes('credentials'),
    );
    expect(onFolder?.find((s) => s.Action === 'ssm:GetParameter')?.Resource).toBeDefined();
    expect(cfnText(onFolder?.find((s) => s.Action === 'ssm:GetParameter')?.Resource)).toBe(
      arn('credentials/*'),
    );
  });

  it('refuses a scaleOut that is not a boolean', () => {
    expect(refusals.get('typo')).toMatch(/"custom\.scaleOutFile": Invalid "strToBool" input/);
  });

  it('refuses scale-out without its network parameters', () => {
    const output = refusals.get('noNetwork');

    expect(output).toMatch(/"functions\.stream\.vpc\.subnetIds\.Fn::Split\.1": Value not found at "param"/);
    expect(output).toMatch(
      /"resources\.1\.Resources\.BusClientSecurityGroup\.Properties\.VpcId": Value not found/,
    );
  });

  it('refuses an unknown feed in scale-out mode, at the container’s secrets', () => {
    expect(refusals.get('unknownFeed')).toMatch(
      /IngestTaskDefinition\.Properties\.ContainerDefinitions\.0\.Secrets": Value not found at "file"/,
    );
  });
});
