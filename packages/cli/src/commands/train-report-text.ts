import type { CalibrationResult, TrainingReport } from "@catena/core/ml";
import { plural } from "../format/plural.ts";
import { table } from "../format/table.ts";

/**
 * The `catena calibrate` command that gives the artifacts in `out` (the chain's own folder when
 * undefined) their thresholds, on `dev` when the user gave a dev file (else a placeholder: the data
 * trained on is no fit to calibrate on).
 */
export function calibrateCommand(chain: string, out: string | undefined, dev: string | undefined): string {
  const quoted = (arg: string): string =>
    /^[\w./@:=+,-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
  return [
    "catena calibrate",
    quoted(chain),
    ...(out === undefined ? [] : ["--artifacts", quoted(out)]),
    "--data",
    dev === undefined ? "<labelled dev file>" : quoted(dev),
  ].join(" ");
}

/** What the training report says beside the training: its calibration, or the command to run. */
export interface TrainReportExtras {
  calibration?: CalibrationResult;
  /** The `catena calibrate` command to run next, when train did not calibrate. */
  next?: string;
  /** Files of the folder the training removed (its old thresholds, chosen for other weights). */
  removed?: readonly string[];
  /** Lines after the files written: how to use them. */
  use?: readonly string[];
}

/**
 * The human-readable training report. `classesInData` is how many of the chain's labels the
 * training examples have, said beside the label set's size when it is fewer (a user's data may
 * cover a few of a chain's intents).
 */
export function trainReportText(
  chain: string,
  report: TrainingReport,
  files: readonly string[],
  classesInData: number = report.classes,
  extras: TrainReportExtras = {},
): string {
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
  const classes =
    classesInData < report.classes
      ? `${classesInData} of its ${report.classes} classes`
      : `${report.classes} classes`;
  const lines = [
    `trained ${chain}: ${report.examples.train} examples, ${classes}, ${report.features} features in ${(report.trainingMs / 1000).toFixed(1)} s`,
  ];
  if (report.dev) {
    lines.push(
      `dev: ${report.dev.examples} examples, accuracy ${pct(report.dev.accuracy)}, macro-F1 ${pct(report.dev.macroF1)}`,
      "",
      "worst ten classes by F1:",
      table([
        ["LABEL", "F1", "PRECISION", "RECALL", "SUPPORT"],
        ...report.dev.perClass
          .slice(0, 10)
          .map((c) => [c.label, pct(c.f1), pct(c.precision), pct(c.recall), String(c.support)]),
      ]).trimEnd(),
    );
  }
  const c = extras.calibration;
  if (c !== undefined) {
    lines.push(
      "",
      `calibrated on the ${plural(c.items, "dev item")} for ${pct(c.targetPrecision)} precision: the cheap tiers answer ${pct(c.accepted.coverage)} of them at ${c.accepted.precision === null ? "-" : pct(c.accepted.precision)} precision, ${pct(c.rest.share)} go to ${c.rest.tiers.join(", ") || "no tier"}`,
    );
  }
  if (extras.next !== undefined) {
    const removed = extras.removed ?? [];
    lines.push(
      "",
      removed.length > 0
        ? `no thresholds were chosen for these weights, and the folder's old ${removed.join(", ")} (chosen for the weights these replace) was removed: every item goes to the LLM tier until you calibrate them on labelled dev data. Next:`
        : "no thresholds were chosen for these weights: every item goes to the LLM tier until you calibrate them on labelled dev data. Next:",
      `  ${extras.next}`,
    );
  }
  lines.push("", `wrote ${files.join(", ")}`, ...(extras.use ?? []));
  return `${lines.join("\n")}\n`;
}
