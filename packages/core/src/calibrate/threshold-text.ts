/** The threshold given to a tier that cannot reach the target precision: above any confidence, so it never answers. */
export const NEVER_ACCEPT = 2;

/**
 * A cascade threshold as people read it: rounded to three decimals (`0.745`, `0.95`), or `never`
 * for a tier that accepts nothing (a threshold above 1, such as `NEVER_ACCEPT`). Calibration writes
 * thresholds with full precision to its files; everything printed or drawn rounds them through this.
 *
 * @example
 * thresholdText(0.7451373972814536) // "0.745"
 * thresholdText(2) // "never"
 */
export function thresholdText(threshold: number | null | undefined): string {
  if (threshold === null || threshold === undefined || threshold > 1) return "never";
  return String(Number(threshold.toFixed(3)));
}

/** The guard of a tier's accepting edge, as drawn: `confidence >= 0.745`, or `never`. */
export function acceptanceText(threshold: number): string {
  const text = thresholdText(threshold);
  return text === "never" ? text : `confidence >= ${text}`;
}
