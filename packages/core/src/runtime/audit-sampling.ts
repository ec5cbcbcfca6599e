import { createHash } from "node:crypto";
import type { AuditPick } from "../types.ts";

/**
 * The probability that an accepted answer is audited. `random`: the share. `uncertain`: weighted
 * by the answer's headroom `h` above its tier's threshold (0 at the threshold, 1 at confidence 1),
 * `min(1, share × (0.25 + 1.5 × (1 − h)))`: an answer at the threshold is audited 7 times as often
 * as a sure one, and every tier keeps a floor (a quarter of the share) so that its precision is
 * still measured. The weights average 1 over evenly spread headroom; a share of 1 audits every
 * answer whatever the pick. A tier accepted by a predicate (no threshold to measure from) has
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
 * way in every run and process (a resumed batch audits the same items). A hash, not a coin; node's
 * crypto rather than the ml hashes, so that the engine entry does not load `@catena/core/ml`.
 */
export function auditDraw(seed: string | number | undefined, cascade: string, input: unknown): number {
  return (
    createHash("sha1")
      .update(`${seed ?? ""}\u0000${cascade}\u0000${JSON.stringify(input) ?? ""}`)
      .digest()
      .readUInt32BE(0) /
    2 ** 32
  );
}
