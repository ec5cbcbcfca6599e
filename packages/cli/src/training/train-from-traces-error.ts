import { CatenaError } from "@catena/core";

/** Codes of {@link TrainFromTracesError}. */
export type TrainFromTracesErrorCode =
  | "TRACES_NOT_FOUND"
  | "TRACES_UNREACHABLE"
  | "CHAIN_NOT_TRAINABLE"
  | "TRAINER_AMBIGUOUS"
  | "TRAINER_MALFORMED"
  | "TOO_FEW_ITEMS";

/**
 * Why `catena train --from-traces` could not make a candidate: no traced runs of the chain in the
 * window (`TRACES_NOT_FOUND`), a trace backend that does not answer (`TRACES_UNREACHABLE`, the
 * backend's error as `cause`), a chain without learned tiers (`CHAIN_NOT_TRAINABLE`), a name two trainers take
 * (`TRAINER_AMBIGUOUS`), a trainer a chains module exports malformed (`TRAINER_MALFORMED`), or too few
 * usable labels among the traces (`TOO_FEW_ITEMS`). The message names the fix.
 */
export class TrainFromTracesError extends CatenaError<TrainFromTracesErrorCode> {}
