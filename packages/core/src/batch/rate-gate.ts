/** Waits for a start slot under the rate limit; undefined when there is no limit. */
export async function rateGate(
  rate: { perSecond?: number; perMinute?: number } | undefined,
  signal: AbortSignal | undefined,
): Promise<(() => Promise<void>) | undefined> {
  if (!rate || (rate.perSecond === undefined && rate.perMinute === undefined)) return undefined;
  const { default: PQueue } = await import("p-queue");
  const window =
    rate.perSecond !== undefined
      ? { interval: 1000, intervalCap: rate.perSecond }
      : { interval: 60_000, intervalCap: rate.perMinute as number };
  const queue = new PQueue(window);
  return () => queue.add(() => undefined, signal ? { signal } : {});
}
