/** A queue-wide rate limit as BullMQ counts it: at most `max` item starts per window of `durationMs`. */
export interface QueueRate {
  max: number;
  durationMs: number;
}

/**
 * A rate per second or per minute as BullMQ windows of about one second: 600 per minute becomes 10
 * per 1000 ms, not 600 per minute, because BullMQ counts in fixed windows and would start all 600
 * at the top of the minute, while providers enforce their per-minute limits in slices of a second
 * or so. The windows are rounded so that the rate never exceeds the one asked for.
 *
 * @example
 * queueRate({ perMinute: 600 }) // { max: 10, durationMs: 1000 }
 * queueRate({ perMinute: 7 }) // { max: 1, durationMs: 8572 }
 */
export function queueRate(rate: { perSecond?: number; perMinute?: number }): QueueRate {
  const perMinute = rate.perSecond !== undefined ? rate.perSecond * 60 : (rate.perMinute ?? 0);
  if (!(perMinute > 0))
    throw new RangeError(`a rate must be > 0 per second or per minute, got ${JSON.stringify(rate)}`);
  const max = Math.ceil(perMinute / 60);
  return { max, durationMs: Math.ceil((60_000 * max) / perMinute) };
}
