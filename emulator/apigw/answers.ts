/**
 * API Gateway's own answers, as opposed to the function's: the request validator's 400, the Lambda
 * authorizer's 401, 403 and 500, the 403 for an unknown route, the 502 for a malformed integration
 * response, and this stand-in's 503s (shutting down, too many invocations). Each carries the headers
 * the `GatewayResponse` resources configure.
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html
 */
import type { ServerResponse } from 'node:http';

/** What the stand-in answers on API Gateway's behalf, one method per answer. */
export interface GatewayAnswers {
  /**
   * [aws] The request validator's 400 (`BAD_REQUEST_PARAMETERS`), naming the missing parameters in
   * brackets: `Missing required request parameters: [symbols]`.
   */
  missingParameters(res: ServerResponse, missing: readonly string[]): void;
  /** [aws] REST APIs answer unknown routes and methods with 403 "Missing Authentication Token". */
  missingToken(res: ServerResponse): void;
  /**
   * [aws] `UNAUTHORIZED`: the identity source is missing or empty, or the authorizer failed with
   * the error message `Unauthorized`.
   */
  unauthorized(res: ServerResponse): void;
  /**
   * [aws] `ACCESS_DENIED`: the authorizer's policy denies the method, explicitly (a `Deny`
   * statement) or implicitly (no `Allow`). The key is `Message`, capitalised, as API Gateway sends it.
   * @see https://repost.aws/knowledge-center/api-gateway-403-error-lambda-authorizer
   */
  accessDenied(res: ServerResponse, explicit: boolean): void;
  /** [aws] `AUTHORIZER_FAILURE` / `AUTHORIZER_CONFIGURATION_ERROR`: the authorizer failed otherwise. */
  authorizerFailure(res: ServerResponse): void;
  /** [aws] A malformed integration response is answered 502. */
  badGateway(res: ServerResponse): void;
  /** This stand-in's answer while it shuts down. */
  unavailable(res: ServerResponse): void;
  /**
   * This stand-in's answer past its cap on concurrent invocations (Lambda's concurrency limit has
   * its counterpart here), with `retry-after` (RFC 9110 §10.2.3).
   */
  tooManyInvocations(res: ServerResponse, limit: number): void;
}

/** The answers, each with `headers` after its content type. */
export function createGatewayAnswers(headers: Readonly<Record<string, string>>): GatewayAnswers {
  const send = (
    res: ServerResponse,
    statusCode: number,
    body: Record<string, unknown>,
    extra: Record<string, string> = {},
  ): void => {
    res.writeHead(statusCode, { 'content-type': 'application/json', ...headers, ...extra });
    res.end(JSON.stringify(body));
  };
  return {
    missingParameters: (res, missing) =>
      send(res, 400, { message: `Missing required request parameters: [${missing.join(', ')}]` }),
    missingToken: (res) => send(res, 403, { message: 'Missing Authentication Token' }),
    unauthorized: (res) => send(res, 401, { message: 'Unauthorized' }),
    accessDenied: (res, explicit) =>
      send(res, 403, {
        Message: `User is not authorized to access this resource${explicit ? ' with an explicit deny' : ''}`,
      }),
    // [aws] The default template is {"message":$context.error.messageString}, null for a failed authorizer.
    authorizerFailure: (res) => send(res, 500, { message: null }),
    badGateway: (res) => send(res, 502, { message: 'Internal server error' }),
    unavailable: (res) => send(res, 503, { message: 'Service Unavailable' }),
    tooManyInvocations: (res, limit) =>
      send(
        res,
        503,
        { message: `Too many concurrent invocations: the limit is ${limit}; retry shortly` },
        { 'retry-after': '1' },
      ),
  };
}

/** [aws] The validator checks only that each required parameter is present and not blank. */
export function findMissingParameters(url: URL, required: readonly string[]): string[] {
  return required.filter((name) => !url.searchParams.getAll(name).some((value) => value.trim() !== ''));
}
