/**
 * The Lambda entry: the process-wide wiring of handlers/stream-handler.ts. Configuration is read once
 * per cold start, and a bad one fails the init naming every variable, so no invocation runs on it.
 *
 * `streamifyResponse` is the outermost wrapper: the runtime streams only a handler export that carries
 * its tag, so anything wrapped around it would hide the tag and Lambda would run the function
 * buffered (https://docs.aws.amazon.com/lambda/latest/dg/config-rs-write-functions.html; the tag check
 * is in https://github.com/aws/aws-lambda-nodejs-runtime-interface-client/blob/main/src/UserFunction.js).
 *
 * With `UPSTREAM_URL_PARAMETER` set, the upstream URL is read from SSM Parameter Store here, once per
 * cold start (top-level await, so a failed read fails the init), and never sits in the environment;
 * so are the feed's credentials under `CREDENTIALS_SSM_PREFIX`. With `BUS_URL` neither is read
 * (handlers/cold-start-env.ts).
 */
import { loadConfig } from '../core/config.ts';
import { createJsonLogger } from '../core/log.ts';
import { FEEDS } from '../feeds/registry.ts';
import { resolveColdStartEnv } from './cold-start-env.ts';
import { isLambdaRuntime } from './lambda-env.ts';
import { ssmParameterReader } from './ssm.ts';
import { createStreamHandler, processHub } from './stream-handler.ts';
import { createStreamTracer } from './tracing.ts';

/** The upstream URL and credentials are read once per cold start: the cache only has to outlive the init. */
const UPSTREAM_URL_MAX_AGE_S = 300;

const readParameter = ssmParameterReader(UPSTREAM_URL_MAX_AGE_S);
const env = await resolveColdStartEnv(process.env, readParameter);
const config = loadConfig(env, FEEDS);
const log = createJsonLogger({ level: config.logLevel, write: (line) => process.stdout.write(`${line}\n`) });
// One hub per execution environment. Lambda runs one invocation at a time in it, so the hub serves
// one stream there; serverless.yml sets UPSTREAM_LINGER_MS=0 so a frozen environment holds no
// upstream socket. With BUS_URL the Redis connection stays for the environment's life (reused warm)
// while the linger still releases every subscription and demand lease with the stream.
const hub = await processHub(config, log);
const tracer = createStreamTracer({ log });
// Loaded during init, not by the first stream: the tracer is a chunk of the bundle of its own.
await tracer.ready;
const streams = createStreamHandler({ config, log, openFeed: () => hub.openFeed, tracer });

/**
 * Ends every open stream with reason `shutdown`, then closes the hub's upstream connection (a
 * lingering one too); a local runtime running this bundle calls it on stop.
 */
export async function shutdownStreams(): Promise<void> {
  await streams.shutdown();
  hub.close();
}

if (isLambdaRuntime()) process.once('SIGTERM', () => void shutdownStreams());

export const handler = awslambda.streamifyResponse(streams.handle);
