import type { GateCheck } from "@catena/core/evals";
import type { CalibrationResult, TrainingReport } from "@catena/core/ml";
import type { CandidateComparison } from "./candidate-comparison.ts";
import type { TracedCalibrationSet } from "./traced-calibration.ts";
import type { TracedLabelCounts } from "./traced-labels.ts";
import type { TracedTrainingSet } from "./traced-training-set.ts";

/** What happened: the candidate, how it compares, the gate and the decision. */
export interface TrainFromTracesResult {
  /**
   * `promoted`; `refused` (the gate failed); `candidate` (the gate held, promotion not asked for);
   * `unchanged` (the candidate has the current version's fingerprint: a no-op, never promoted).
   */
  status: "promoted" | "refused" | "candidate" | "unchanged";
  chain: string;
  current: { id: string; version: string; fingerprint: string };
  candidate: { id: string; version: string; fingerprint: string; dir: string; module: string };
  window: { since: string; projects: string[]; where: string };
  traced: TracedLabelCounts &
    TracedTrainingSet["counts"] & {
      added: number;
      heldOut: number;
      /** Labelled traced items kept apart to choose thresholds on. */
      calib: number;
      /** Cheap-tier answers self-trained on. */
      selfTrained: number;
    };
  /** How the dev and traced calibration items were weighed, when traced items were among them. */
  calibrationStrata?: TracedCalibrationSet["strata"];
  training: {
    examples: number;
    /** The `--data` examples the traced labels were added to, and how many were left out as dev texts. */
    data?: { examples: number; inDev: number };
    report: TrainingReport;
  };
  calibration: CalibrationResult;
  comparison: CandidateComparison;
  gate: GateCheck[];
  /** One line per reason for the decision. */
  reasons: string[];
  /** The config file edited by promotion. */
  promotedIn?: string;
  /** The lock file promotion added the candidate's fingerprint to. */
  lockedIn?: string;
  report: { markdown: string; json: string };
}
