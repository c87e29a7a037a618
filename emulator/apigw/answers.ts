/**
 * API Gateway's own answers, as opposed to the function's: the request validator's 400, the 403 for
 * an unknown route, the 502 for a malformed integration response, and this stand-in's 503 while it
 * shuts down. Each carries the headers the `GatewayResponse` resources configure.
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
  /** [aws] A malformed integration response is answered 502. */
  badGateway(res: ServerResponse): void;
  /** This stand-in's answer while it shuts down. */
  unavailable(res: ServerResponse): void;
}

/** The answers, each with `headers` after its content type. */
export function createGatewayAnswers(headers: Readonly<Record<string, string>>): GatewayAnswers {
  const sendJson = (res: ServerResponse, statusCode: number, message: string): void => {
    res.writeHead(statusCode, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify({ message }));
  };
  return {
    missingParameters: (res, missing) =>
      sendJson(res, 400, `Missing required request parameters: [${missing.join(', ')}]`),
    missingToken: (res) => sendJson(res, 403, 'Missing Authentication Token'),
    badGateway: (res) => sendJson(res, 502, 'Internal server error'),
    unavailable: (res) => sendJson(res, 503, 'Service Unavailable'),
  };
}

/** [aws] The validator checks only that each required parameter is present and not blank. */
export function findMissingParameters(url: URL, required: readonly string[]): string[] {
  return required.filter((name) => !url.searchParams.getAll(name).some((value) => value.trim() !== ''));
}
