/**
 * A Lambda REQUEST authorizer in front of the function, as API Gateway (REST) runs it:
 * 1. the identity source (one query parameter here) missing or empty: 401, the authorizer is not
 *    called (https://docs.aws.amazon.com/apigateway/latest/developerguide/call-api-with-api-gateway-lambda-authorization.html,
 *    https://repost.aws/knowledge-center/api-gateway-401-error-lambda-authorizer);
 * 2. the authorizer is called with the request's headers and query maps and the method's ARN; an
 *    error whose message is `Unauthorized` answers 401, any other error or a malformed result 500;
 * 3. its IAM policy is evaluated against the method ARN: an explicit `Deny` wins, else an `Allow`
 *    lets the request on, else 403 (implicit deny);
 * 4. an allowed request carries `principalId` and the result's `context` in
 *    `requestContext.authorizer` (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html).
 * Results are not cached (`resultTtlInSeconds` 0): every request runs the authorizer.
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html
 */
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayRequestAuthorizerEvent,
} from 'aws-lambda';
import type { Logger } from '../../core/log.ts';

/** The authorizer as `serverless.yml` attaches it to the route. */
export interface LocalAuthorizer {
  /** The query parameter named by the identity source (`method.request.querystring.token`). */
  identityQueryParameter: string;
  /** The authorizer function. */
  run: (event: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;
}

/** What API Gateway does with the request after the authorizer. */
export type AuthorizerOutcome =
  | { kind: 'allow'; authorizer: Record<string, unknown> }
  | { kind: 'unauthorized' }
  | { kind: 'denied'; explicit: boolean }
  | { kind: 'failed' };

/** The ARN API Gateway puts in `methodArn` for a request on this stand-in's API. */
function methodArnOf(event: APIGatewayProxyEvent): string {
  const { accountId, apiId, stage } = event.requestContext;
  return `arn:aws:execute-api:local:${accountId}:${apiId}/${stage}/${event.httpMethod}${event.resource}`;
}

/** [aws] IAM wildcards in a policy's Action and Resource: `*` any run of characters, `?` one. */
function matchesWildcard(pattern: string, value: string): boolean {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`).test(value);
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

/** Evaluate the policy for `execute-api:Invoke` on `methodArn`; undefined when it is malformed. */
function evaluatePolicy(result: unknown, methodArn: string): 'allow' | 'explicit' | 'implicit' | undefined {
  const policy = (result as { policyDocument?: { Statement?: unknown } } | undefined)?.policyDocument;
  if (
    typeof (result as { principalId?: unknown } | undefined)?.principalId !== 'string' ||
    policy === undefined
  ) {
    return undefined;
  }
  let allowed = false;
  for (const statement of asList(policy.Statement)) {
    const { Effect, Action, Resource } = (statement ?? {}) as Record<string, unknown>;
    const applies =
      asList(Action).some((a) => typeof a === 'string' && matchesWildcard(a, 'execute-api:Invoke')) &&
      asList(Resource).some((r) => typeof r === 'string' && matchesWildcard(r, methodArn));
    if (!applies) continue;
    if (Effect === 'Deny') return 'explicit';
    if (Effect === 'Allow') allowed = true;
  }
  return allowed ? 'allow' : 'implicit';
}

/** The REQUEST authorizer's input, from the proxy event the function would get. */
function authorizerEvent(event: APIGatewayProxyEvent, methodArn: string): APIGatewayRequestAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn,
    resource: event.resource,
    path: event.path,
    httpMethod: event.httpMethod,
    headers: event.headers,
    multiValueHeaders: event.multiValueHeaders,
    pathParameters: event.pathParameters,
    queryStringParameters: event.queryStringParameters,
    multiValueQueryStringParameters: event.multiValueQueryStringParameters,
    stageVariables: event.stageVariables,
    requestContext: event.requestContext as APIGatewayRequestAuthorizerEvent['requestContext'],
  };
}

/** Run `authorizer` for `event` as API Gateway does; never rejects. */
export async function authorize(
  authorizer: LocalAuthorizer,
  event: APIGatewayProxyEvent,
  log: Logger,
): Promise<AuthorizerOutcome> {
  const query = event.queryStringParameters ?? {};
  const name = authorizer.identityQueryParameter;
  const identity = Object.hasOwn(query, name) ? query[name] : undefined;
  if (identity === undefined || identity === '') return { kind: 'unauthorized' };

  const methodArn = methodArnOf(event);
  const startedAt = Date.now();
  let result: APIGatewayAuthorizerResult;
  try {
    result = await authorizer.run(authorizerEvent(event, methodArn));
  } catch (error) {
    // [aws] Only this exact message becomes a 401; any other error is an authorizer failure.
    if (error instanceof Error && error.message === 'Unauthorized') return { kind: 'unauthorized' };
    log.error('authorizer failed', { code: 'authorizer_failure', error });
    return { kind: 'failed' };
  }
  const verdict = evaluatePolicy(result, methodArn);
  if (verdict === undefined) {
    log.error('authorizer returned no principalId or policyDocument', { code: 'authorizer_failure' });
    return { kind: 'failed' };
  }
  if (verdict !== 'allow') return { kind: 'denied', explicit: verdict === 'explicit' };
  return {
    kind: 'allow',
    authorizer: {
      ...result.context,
      principalId: result.principalId,
      integrationLatency: Date.now() - startedAt,
    },
  };
}
