/**
 * A bounded, named wait on a condition no event announces (a key in Redis, a server's subscription
 * set): checked every 10 ms, failing after `timeoutMs` with what it waited for.
 */

/** Poll `check` (sync or async) until it returns a value; fail after `timeoutMs`, naming `what`. */
export async function poll<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
