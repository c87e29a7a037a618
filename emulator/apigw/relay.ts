/**
 * What the platform does with one invocation's response: API Gateway relays it to the client once the
 * prelude is read (the response stream then writes straight to the client response, with its
 * backpressure: runtime.ts `deliverTo`), and the invocation is cut early when the client goes away,
 * when the stream stays idle past API Gateway's limit, or at Lambda's timeout.
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/response-transfer-mode.html
 */
import type { ServerResponse } from 'node:http';
import { finished } from 'node:stream/promises';
import type { Logger } from '../../core/log.ts';
import type { GatewayAnswers } from './answers.ts';
import { chunkedSocketTarget } from './chunked-target.ts';
import { readPrelude } from '../lambda/prelude.ts';
import type { LocalResponseStream } from '../lambda/runtime.ts';

/** The limits after which the platform, not the handler, ends an invocation. */
export interface PlatformLimits {
  functionTimeoutS: number;
  idleTimeoutMs: number;
}

/** The cuts armed for one invocation. */
export interface PlatformCuts {
  /** Whether the runtime ended the stream itself (a cut is not the handler's fault). */
  wasCut(): boolean;
  /** Stop the function-timeout timer once the invocation has returned. */
  disarm(): void;
}

/**
 * Wire the ways an invocation ends early: the client goes away (the handler's stream is destroyed,
 * which Lambda cannot do; docs/CONTRACT.md §2), API Gateway's idle cut, and Lambda's function timeout.
 * On a cut the handler sees its stream destroyed and the client a connection cut without `end`.
 */
export function armPlatformCuts(
  res: ServerResponse,
  responseStream: LocalResponseStream,
  limits: PlatformLimits,
  log: Logger,
): PlatformCuts {
  let isCutByRuntime = false;
  res.once('close', () => {
    if (res.writableFinished) return;
    isCutByRuntime = true;
    responseStream.destroy(new Error('client disconnected'));
  });
  const cut = (reason: string): void => {
    isCutByRuntime = true;
    responseStream.destroy(new Error(reason));
    res.destroy();
  };
  // [aws] API Gateway ends a streamed response that stays silent past its idle limit.
  res.setTimeout(limits.idleTimeoutMs, () => {
    log.warn('stream idle past the API Gateway limit: cut', { idleTimeoutMs: limits.idleTimeoutMs });
    cut('idle timeout');
  });
  // [aws] Lambda stops the function at its timeout, with this log line.
  const timeoutTimer = setTimeout(() => {
    log.error(`Task timed out after ${limits.functionTimeoutS.toFixed(2)} seconds`);
    cut('function timed out');
  }, limits.functionTimeoutS * 1000);
  return { wasCut: () => isCutByRuntime, disarm: () => clearTimeout(timeoutTimer) };
}

/**
 * [aws] What API Gateway does with the integration's stream: it starts the client response only after
 * valid metadata and the delimiter (a 502 otherwise), then passes the body on as it comes. Resolves
 * once the client response has finished (every byte handed to the socket); rejects when it is cut
 * first.
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/response-transfer-mode-lambda.html
 */
export async function relayResponse(
  responseStream: LocalResponseStream,
  res: ServerResponse,
  answers: GatewayAnswers,
  log: Logger,
): Promise<void> {
  const read = await readPrelude(responseStream);
  if (!read.ok) {
    log.error('integration response without a valid prelude', { code: read.failure });
    if (!res.headersSent) answers.badGateway(res);
    responseStream.resume();
    return;
  }
  const { prelude } = read;
  const headers: Record<string, string | string[]> = { ...prelude.headers };
  for (const [name, values] of Object.entries(prelude.multiValueHeaders)) headers[name] = values;
  if (prelude.cookies.length > 0) headers['set-cookie'] = prelude.cookies;
  res.writeHead(prelude.statusCode, headers);
  res.flushHeaders();
  // Without a listener, a write error on a closing socket would crash the process; `finished` below
  // reports it, and the 'close' that follows destroys the handler's stream (armPlatformCuts).
  res.on('error', () => undefined);
  const delivered = finished(res);
  responseStream.deliverTo(chunkedSocketTarget(res));
  await delivered;
}
