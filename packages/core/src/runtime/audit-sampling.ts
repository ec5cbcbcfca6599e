import type { AuditPick } from "../types.ts";
import { backgroundDraw } from "./background-draw.ts";

/**
 * The probability that an accepted answer is audited. `random`: the share. `uncertain`: weighted
 * by the answer's headroom `h` above its tier's threshold (0 at the threshold, 1 at confidence 1),
 * `min(1, share × (0.25 + 1.5 × (1 − h)))`: every tier keeps a floor (a quarter of the share) so
 * that its precision is still measured. Up to a share of 4/7, where the cap at 1 starts to bite, an
 * answer at the threshold is audited 7 times as often as a sure one and the weights average 1 over
 * evenly spread headroom (the mean probability is the share); above it the answers near the
 * threshold are all audited and the mean falls below the share. A share of 1 audits every answer
 * whatever the pick. A tier accepted by a predicate (no threshold to measure from) has
 * its confidence as headroom.
 */
export function auditProbability(
  pick: AuditPick,
  share: number,
  confidence: number,
  threshold: number,
): number {
  if (pick === "random" || share >= 1) return share;
  const floor = threshold >= 0 && threshold < 1 ? threshold : 0;
  const headroom = Math.min(1, Math.max(0, (confidence - floor) / (1 - floor)));
  return Math.min(1, share * (0.25 + 1.5 * (1 - headroom)));
}

/**
 * A number in [0, 1) fixed by the seed, the cascade and the input: the same input is drawn the same
 * way in every run and process (see `backgroundDraw`). Throws on an input JSON cannot write.
 */
export function auditDraw(seed: string | number | undefined, cascade: string, input: unknown): number {
  return backgroundDraw(`${seed ?? ""}\u0000${cascade}`, input);
}
