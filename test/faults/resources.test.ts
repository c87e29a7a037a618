/**
 * The leak check itself (test/helpers/faults-resources.ts). Regression: its poll ran from its own
 * timer's callback, where getActiveResourcesInfo() still lists that timer, so once the first check
 * missed (a socket still closing, common under load) every later poll saw one Timeout too many and
 * a scenario that had closed everything failed after the hang guard.
 */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { countResources, waitForResourcesBack } from '../helpers/faults-resources.ts';

describe('waitForResourcesBack', () => {
  it('sees the counts come back after a first miss', async () => {
    const before = countResources();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));

    const waiting = waitForResourcesBack(before, 'a server closed after the first check', 5_000);
    setTimeout(() => server.close(), 50);

    await expect(waiting).resolves.toBeUndefined();
  });

  it('still reports what is left open, by kind', async () => {
    const before = countResources();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));

    const waiting = waitForResourcesBack(before, 'a server left open', 200);

    await expect(waiting).rejects.toThrow(
      /a server left open: still open after 200 ms: TCPServerWrap: \d+ before, \d+ after/,
    );
    server.close();
  });
});
