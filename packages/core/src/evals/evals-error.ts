import { CatenaError } from "../errors/catena-error.ts";

/** Codes of evaluation errors. */
export type EvalsErrorCode =
  | "EVALUATOR_INVALID"
  | "JUDGE_NOT_ALIGNED"
  | "ALIGNMENT_LABELS_INVALID"
  | "GATE_INVALID";

/**
 * An evaluation error: a bad evaluator or config entry (`EVALUATOR_INVALID`), a gate that uses a
 * judge nobody checked against people (`JUDGE_NOT_ALIGNED`), unusable human labels
 * (`ALIGNMENT_LABELS_INVALID`) or a gate that does not parse (`GATE_INVALID`). The message names the fix.
 */
export class EvalsError extends CatenaError<EvalsErrorCode> {}
