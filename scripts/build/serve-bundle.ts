/**
 * The child process of the streaming-memory measurement (scripts/build/measure.ts): serve one bundled
 * handler under the local Lambda and API Gateway emulator, in a process of its own as the Lambda
 * runtime does, and report this process's memory over IPC when the parent asks.
 *
 * measure.ts bundles this file to plain JavaScript before running it: a .ts entry would make Node load
 * its TypeScript stripper, ~17 MB of RSS that the Lambda runtime process does not have.
 */
import { pathToFileURL } from 'node:url';
import { silentLogger } from '../../core/log.ts';
import { startLocalServer } from '../../emulator/apigw/server.ts';
import { installAwsLambdaGlobal } from '../../emulator/lambda/runtime.ts';
import type { DeployedApi } from '../../dev/settings.ts';

/** What the child reports, all in bytes but the CPU time. */
export interface ServeReport {
  /** Resident set size once the bundle is imported, before any request. */
  rssAfterImportBytes: number;
  /**
   * Peak resident set size of the process so far (getrusage's ru_maxrss): what Lambda's REPORT line
   * gives as `Max Memory Used`.
   */
  peakRssBytes: number;
  heapUsedBytes: number;
  /** CPU time (user + system) since the server was listening. */
  cpuMsSinceListening: number;
}

/** Messages from the child: first where it listens, then the report. */
export type ServeMessage = { url: string } | { report: ServeReport };

// Lambda's maximum, so that the stream's own deadline never ends a measurement.
const FUNCTION_TIMEOUT_S = 900;

const send = (message: ServeMessage): void => void process.send?.(message);

installAwsLambdaGlobal();
const { handler } = (await import(pathToFileURL(process.argv[2] as string).href)) as { handler: unknown };
const rssAfterImportBytes = process.memoryUsage().rss;
// The API as serverless.yml declares it, read by the parent (argv[3], JSON) so that this process
// does not load a YAML parser the Lambda runtime would not have.
const api = JSON.parse(process.argv[3] as string) as DeployedApi;
const server = await startLocalServer({
  handler,
  functionTimeoutS: FUNCTION_TIMEOUT_S,
  log: silentLogger,
  ...api,
});
const cpuAtListening = process.cpuUsage();
send({ url: server.url });
process.once('message', () => {
  const { user, system } = process.cpuUsage(cpuAtListening);
  send({
    report: {
      rssAfterImportBytes,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      heapUsedBytes: process.memoryUsage().heapUsed,
      cpuMsSinceListening: (user + system) / 1000,
    },
  });
  process.disconnect();
  void server.close().then(() => process.exit(0));
});
