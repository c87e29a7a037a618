/**
 * The stream function's environment as its cold start completes it from SSM Parameter Store: the
 * upstream URL (`UPSTREAM_URL_PARAMETER`, handlers/upstream-url.ts) and the feed's credentials
 * (`CREDENTIALS_SSM_PREFIX`, handlers/credentials.ts).
 *
 * Neither with `BUS_URL`: the function then takes its quotes from the bus and never dials the vendor
 * (the ingest does, with its own copy of both), so it reads no parameter at all. In scale-out mode it
 * runs in a VPC where only the cache may be reachable, and a key it never uses would only be exposure
 * (core/config.ts asks a bus gateway for no credentials either).
 * @see docs/decisions/015-scale-out-deployment.md
 */
import type { Env } from '../core/config.ts';
import { credentialNamesOf } from '../feeds/registry.ts';
import { resolveCredentials } from './credentials.ts';
import type { ParameterReader } from './ssm.ts';
import { resolveUpstreamUrl } from './upstream-url.ts';

/**
 * `env` with the upstream URL and the feed's credentials read from their parameters, or `env`
 * itself when `BUS_URL` is set.
 * @throws ConfigError as resolveUpstreamUrl and resolveCredentials do.
 */
export async function resolveColdStartEnv(env: Env, readParameter: ParameterReader): Promise<Env> {
  if (env.BUS_URL?.trim()) return env;
  const withUrl = await resolveUpstreamUrl(env, readParameter);
  return resolveCredentials(withUrl, credentialNamesOf(env.FEED), readParameter);
}
