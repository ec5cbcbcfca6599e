import type { GateCheck } from "@catena/core/evals";
import type { CalibrationResult, TrainingReport } from "@catena/core/ml";
import type { CandidateComparison } from "./candidate-comparison.ts";
import type { TracedLabelCounts } from "./traced-labels.ts";
import type { TracedTrainingSet } from "./traced-training-set.ts";

/** What happened: the candidate, how it compares, the gate and the decision. */
export interface TrainFromTracesResult {
  /** `promoted`; `refused` (the gate failed); `candidate` (the gate held, promotion not asked for). */
  status: "promoted" | "refused" | "candidate";
  chain: string;
  current: { id: string; version: string; fingerprint: string };
  candidate: { id: string; version: string; fingerprint: string; dir: string; module: string };
  window: { since: string; projects: string[]; where: string };
  traced: TracedLabelCounts & TracedTrainingSet["counts"] & { added: number; heldOut: number };
  training: { examples: number; report: TrainingReport };
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
