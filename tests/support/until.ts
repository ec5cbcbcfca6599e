/* Waiting in a test for something another process or a server does. */

/**
 * Resolves once `condition` holds (polled every 20 ms; it may ask Redis, and is then awaited);
 * throws with `what()` after `ms`.
 */
export async function until(
  condition: () => boolean | Promise<boolean>,
  what: () => string,
  ms = 20_000,
): Promise<void> {
  for (const end = Date.now() + ms; !(await condition()); ) {
    if (Date.now() > end) throw new Error(`timed out waiting: ${what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
