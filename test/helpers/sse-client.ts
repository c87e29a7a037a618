/**
 * The client library's reader (clients/sse/reader.ts) as the client tests drive it: open a stream
 * that must be accepted, and read it to its end.
 */
import type { ContractEvent } from '../../clients/sse/contract.ts';
import { openSseStream, type SseStream } from '../../clients/sse/reader.ts';

/** Every event of `stream`, in order, until it ends (cleanly or not). */
export async function collectEvents(stream: SseStream): Promise<ContractEvent[]> {
  const events: ContractEvent[] = [];
  for await (const e of stream) events.push(e);
  return events;
}

/** Open `url`; a refusal or a failed request fails the test with the status and the reason. */
export async function openAccepted(
  url: string,
  options: Parameters<typeof openSseStream>[1] = {},
): Promise<SseStream> {
  const result = await openSseStream(url, options);
  if (!result.ok) throw new Error(`expected a stream, got ${result.status}: ${result.error.message}`);
  return result.stream;
}
