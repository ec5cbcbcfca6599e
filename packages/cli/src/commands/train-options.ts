import type { TrainFromTracesCommandOptions } from "./train-from-traces-action.ts";

/** The options of `catena train`. */
export interface TrainCommandOptions extends Omit<TrainFromTracesCommandOptions, "seed" | "since"> {
  data?: string;
  fromTraces?: boolean;
  since?: string;
  dev?: string;
  out?: string;
  seed?: string;
  /** False with `--no-calibrate`: leave the thresholds to `catena calibrate`. */
  calibrate?: boolean;
}
