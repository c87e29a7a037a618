/**
 * The API Gateway REQUEST authorizer of `GET /stream`: checks the JWT in the `token` query parameter
 * (core/token.ts) and answers in API Gateway's terms. Deployed it is its own Lambda function
 * (`handler`); locally the API Gateway emulator runs {@link createAuthorizer} before the stream
 * handler, in the same order.
 *
 * [aws] What each answer becomes
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html,
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/call-api-with-api-gateway-lambda-authorization.html):
 * throwing `Error('Unauthorized')` → 401 `{"message":"Unauthorized"}`; a Deny policy → 403; an Allow
 * policy → the request goes on, with the policy's `context` in the proxy event's
 * `requestContext.authorizer`; any other failure → 500 (AuthorizerConfigurationException).
 *
 * The token is a bearer credential: it is never logged, only the `sub` it names and why a token was
 * refused.
 * @see docs/decisions/010-access.md
 */
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import type { Env } from '../core/config.ts';
import { ConfigError } from '../core/errors.ts';
import { createJsonLogger, isLogLevel, type Logger } from '../core/log.ts';
import { MIN_SECRET_LENGTH, verifyToken } from '../core/token.ts';
import { ALL_SYMBOLS } from '../core/request.ts';
import { isLambdaRuntime } from './lambda-env.ts';
import { ssmParameterReader, type ParameterReader } from './ssm.ts';

/** The query parameter that carries the token (the authorizer's identity source). */
export const TOKEN_QUERY_PARAMETER = 'token';

/**
 * How long the process keeps the secret read from SSM, in seconds: a rotated secret is picked up
 * within this time, and a warm authorizer calls SSM at most once per period.
 */
export const AUTH_SECRET_MAX_AGE_S = 300;

/** Checks one request; resolves with a policy, or rejects with `Error('Unauthorized')` (401). */
export type Authorizer = (event: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;

/** What the authorizer is built from. */
export interface AuthorizerDeps {
  /** The HS256 secret, at least {@link MIN_SECRET_LENGTH} characters; called once per request. */
  secret: () => Promise<string>;
  log: Logger;
  /** @defaultValue Date.now */
  now?: () => number;
}

/** [aws] The principal of a Deny policy: the caller is not known, the field is still required. */
const UNKNOWN_PRINCIPAL = 'unauthorized';

function policy(
  principalId: string,
  effect: 'Allow' | 'Deny',
  resource: string,
): Pick<APIGatewayAuthorizerResult, 'principalId' | 'policyDocument'> {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }],
    },
  };
}

/**
 * The token, from API Gateway's single-value query map: the value the identity source (and so the
 * authorizer cache key) is taken from, the last one for a repeated key.
 */
function readToken(event: APIGatewayRequestAuthorizerEvent): string | undefined {
  const token = event.queryStringParameters?.[TOKEN_QUERY_PARAMETER];
  return token === undefined || token === null || token === '' ? undefined : token;
}

/**
 * Build the authorizer. A missing or empty token throws `Error('Unauthorized')` (401); a bad, forged or
 * expired one gets a Deny policy (403); a good one an Allow policy for `event.methodArn` with
 * `principalId` = `sub` and `context` `{ sub, symbols }`, `symbols` comma-separated ('*' = every symbol).
 * A secret that cannot be had rejects with that error (API Gateway answers 500).
 */
export function createAuthorizer({ secret, log, now = Date.now }: AuthorizerDeps): Authorizer {
  return async (event) => {
    const requestLog = log.child({ requestId: event.requestContext?.requestId });
    const token = readToken(event);
    if (token === undefined) {
      requestLog.info('access refused', { code: 'missing_token', statusCode: 401 });
      // [aws] The exact message API Gateway turns into its 401.
      throw new Error('Unauthorized');
    }
    let key: string;
    try {
      key = await secret();
    } catch (error) {
      requestLog.error('authorizer secret unavailable', { code: 'invalid_config', error });
      throw error;
    }
    const check = await verifyToken(token, key, now());
    if (!check.ok) {
      requestLog.info('access refused', { code: 'invalid_token', reason: check.reason, statusCode: 403 });
      return policy(UNKNOWN_PRINCIPAL, 'Deny', event.methodArn);
    }
    const { sub, symbols } = check.claims;
    requestLog.info('access granted', { sub, ...(symbols && { allowedSymbolCount: symbols.length }) });
    // [aws] Context values must be strings, numbers or booleans: the list travels comma-separated,
    // and "every symbol" is an explicit ALL_SYMBOLS, so a context without `symbols` allows nothing.
    return {
      ...policy(sub, 'Allow', event.methodArn),
      context: { sub, symbols: symbols?.join(',') ?? ALL_SYMBOLS },
    };
  };
}

/**
 * How long the last secret read keeps serving while SSM cannot be read: without it, one failed read
 * after the 300 s cache expired would answer 500 to every caller for as long as SSM is unavailable.
 * A bad value (too short) is never served stale: that is a rotation gone wrong, not an outage.
 */
export const STALE_SECRET_GRACE_MS = 3_600_000;

/**
 * The secret held in the SSM parameter `parameterName`, checked on every read: a value shorter than
 * {@link MIN_SECRET_LENGTH} (a rotation gone wrong) fails as loudly as a missing one. When a read
 * fails, the last good value serves for up to {@link STALE_SECRET_GRACE_MS} (`onStale` is told each
 * time). The value never reaches an error message.
 */
export function ssmSecret(
  parameterName: string,
  readParameter: ParameterReader,
  options: { now?: () => number; onStale?: (error: unknown, ageMs: number) => void } = {},
): () => Promise<string> {
  const now = options.now ?? Date.now;
  let lastGood: { value: string; at: number } | undefined;
  const refuse = (problem: string, cause?: unknown): ConfigError =>
    new ConfigError(
      [
        {
          variable: 'AUTH_SECRET_PARAMETER',
          value: parameterName,
          expected: `an SSM parameter holding a secret of at least ${MIN_SECRET_LENGTH} characters (${problem})`,
        },
      ],
      { cause },
    );
  return async () => {
    let value: string | undefined;
    try {
      value = await readParameter(parameterName);
    } catch (error) {
      const ageMs = lastGood === undefined ? Infinity : now() - lastGood.at;
      if (lastGood !== undefined && ageMs <= STALE_SECRET_GRACE_MS) {
        options.onStale?.(error, ageMs);
        return lastGood.value;
      }
      throw refuse('it could not be read; see the cause', error);
    }
    if (value === undefined || value.length < MIN_SECRET_LENGTH) {
      throw refuse(`it holds ${value?.length ?? 0} characters`);
    }
    lastGood = { value, at: now() };
    return value;
  };
}

/** What {@link startAuthorizer} reads its settings from. */
export interface StartAuthorizerOptions {
  env: Env;
  readParameter: ParameterReader;
  log: Logger;
}

/**
 * The deployed authorizer: the secret's parameter name from `AUTH_SECRET_PARAMETER`, read once here so
 * a missing name, an unreadable parameter or a short secret fails the cold start with a clear
 * ConfigError instead of answering every request 500.
 */
export async function startAuthorizer({
  env,
  readParameter,
  log,
}: StartAuthorizerOptions): Promise<Authorizer> {
  const name = env.AUTH_SECRET_PARAMETER;
  if (name === undefined || name.trim() === '') {
    throw new ConfigError([
      {
        variable: 'AUTH_SECRET_PARAMETER',
        value: name ?? '',
        expected: 'the name of the SSM parameter (a SecureString) holding the token secret (required)',
      },
    ]);
  }
  const secret = ssmSecret(name.trim(), readParameter, {
    onStale: (error, ageMs) =>
      log.warn('authorizer secret unreadable: serving the last one read', {
        code: 'invalid_config',
        ageMs,
        error,
      }),
  });
  await secret();
  return createAuthorizer({ secret, log });
}

const processLog = createJsonLogger({
  level: isLogLevel(process.env.LOG_LEVEL) ? process.env.LOG_LEVEL : 'info',
  write: (line) => process.stdout.write(`${line}\n`),
});

let started: Promise<Authorizer> | undefined;

function start(): Promise<Authorizer> {
  started ??= startAuthorizer({
    env: process.env,
    readParameter: ssmParameterReader(AUTH_SECRET_MAX_AGE_S),
    log: processLog,
  }).catch((error: unknown) => {
    // A failed start is not kept: off Lambda (where the init phase does not fail the process) the
    // next request tries again.
    started = undefined;
    throw error;
  });
  return started;
}

// [aws] Started in the init phase on Lambda, so a bad setting fails the cold start, where it is
// reported once, instead of every invocation. Off Lambda (the emulator, tests) importing this module
// reads nothing: they use createAuthorizer with their own secret.
if (isLambdaRuntime()) await start();

/** The Lambda entry of the authorizer function. */
export async function handler(event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  return (await start())(event);
}
