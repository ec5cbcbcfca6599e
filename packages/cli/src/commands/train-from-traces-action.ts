import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { parseGate } from "@catena/core/evals";
import type { LabelledExample } from "@catena/core/ml";
import { loadChains } from "../chains/load-chains.ts";
import { CliError } from "../cli-error.ts";
import type { CommandContext } from "../command-context.ts";
import { assertUtf8File } from "../evaluation/assert-utf8-file.ts";
import { readCsvColumns } from "../evaluation/csv-column-error.ts";
import { ExitCode } from "../exit-codes.ts";
import { displayPath } from "../format/display-path.ts";
import { jsonText } from "../format/json-text.ts";
import { plural } from "../format/plural.ts";
import { shortFingerprint } from "../format/short-fingerprint.ts";
import type { GlobalOptions } from "../global-options.ts";
import { parseShare } from "../share-option.ts";
import { parseSince } from "../tracing/parse-since.ts";
import { traceProjects } from "../tracing/trace-projects.ts";
import { openTraceReader } from "../tracing/trace-reader.ts";
import { absoluteGateFailures } from "../training/absolute-gate-failures.ts";
import { candidateVersionFor } from "../training/candidate-version.ts";
import { exitInterrupted, listenForInterrupt } from "../training/interrupt-listener.ts";
import { assertPromotableLock } from "../training/promote-candidate.ts";
import type { StagedFolder } from "../training/staged-folder.ts";
import { type TrainFromTracesResult, trainFromTraces } from "../training/train-from-traces.ts";
import { trainableChainNamed } from "../training/trainable-chain-named.ts";
import { trainingBar } from "../training/training-bar.ts";
import { assertWritablePath } from "../writable-path.ts";

/** The options of `catena train <chain> --from-traces`. */
export interface TrainFromTracesCommandOptions {
  since: string;
  project?: string;
  promote?: boolean;
  out?: string;
  dev?: string;
  /** Labelled examples the traced labels are added to, instead of the chain's own training split. */
  data?: string;
  targetPrecision: string;
  gate?: string;
  maxRegressions?: string;
  minItems: string;
  minConfidence: string;
  heldOut: string;
  calibShare: string;
  precisionBound: string;
  selfTrainWeight: string;
  selfTrainConfidence: string;
  llmWeight: string;
  correctionWeight: string;
  ratingKey: string;
  minRating: string;
  seed: string;
}

/**
 * `catena train <chain> --from-traces`: reads the chain's traced LLM answers and corrections from
 * the configured backend, trains and calibrates a candidate version in its own folder, compares it
 * with the current version, promotes it when the gate holds (with `--promote`), and prints the
 * report (written beside the candidate as report.md and report.json). A refused candidate exits 1;
 * one identical to the current version (same fingerprint) is reported as `unchanged`, not promoted,
 * and exits 0 unless it fails a gate condition on its own figures (not a `*_delta`, `regressions`,
 * `improvements` nor `p_value`): the current version fails it too, so a CI gate still sees 1.
 */
export async function trainFromTracesAction(
  ctx: CommandContext,
  name: string,
  options: TrainFromTracesCommandOptions,
  globals: GlobalOptions,
): Promise<void> {
  const loaded = await loadChains({ cwd: ctx.io.cwd, modules: globals.chains, chain: name });
  const trainable = trainableChainNamed(name, "train", loaded);
  const since = parseSince(options.since);
  const number = (text: string, option: string, ok: (x: number) => boolean, what: string): number => {
    const x = Number(text);
    if (!Number.isFinite(x) || !ok(x)) throw new CliError(`${option} must be ${what}, got ${text}`);
    return x;
  };
  const target = parseShare(options.targetPrecision, "--target-precision", { zero: false });
  const heldOut = number(options.heldOut, "--held-out", (x) => x >= 0 && x < 1, "a share in [0, 1)");
  const calibShare = number(options.calibShare, "--calib-share", (x) => x >= 0 && x < 1, "a share in [0, 1)");
  const precisionBound = number(
    options.precisionBound,
    "--precision-bound",
    (x) => x >= 0 && x < 1,
    "a confidence in [0, 1), e.g. 0.9",
  );
  const selfTrainConfidence = number(
    options.selfTrainConfidence,
    "--self-train-confidence",
    (x) => x >= 0 && x <= 1,
    "a number in [0, 1]",
  );
  const minConfidence = number(
    options.minConfidence,
    "--min-confidence",
    (x) => x >= 0 && x <= 1,
    "a number in [0, 1]",
  );
  const minItems = number(
    options.minItems,
    "--min-items",
    (x) => Number.isInteger(x) && x >= 1,
    "a whole number >= 1",
  );
  const minRating = number(options.minRating, "--min-rating", () => true, "a number");
  const seed = number(options.seed, "--seed", Number.isInteger, "an integer");
  const weight = (text: string, option: string) =>
    number(text, option, (x) => Number.isInteger(x) && x >= 1, "a whole number >= 1");
  const llmWeight = weight(options.llmWeight, "--llm-weight");
  const correctionWeight = weight(options.correctionWeight, "--correction-weight");
  const selfTrainWeight = number(
    options.selfTrainWeight,
    "--self-train-weight",
    (x) => Number.isInteger(x) && x >= 0,
    "a whole number >= 0",
  );
  const maxRegressions =
    options.maxRegressions === undefined
      ? undefined
      : number(
          options.maxRegressions,
          "--max-regressions",
          (x) => Number.isInteger(x) && x >= 0,
          "a whole number >= 0",
        );
  const gate = options.gate === undefined ? undefined : parseGate(options.gate);
  const readFile = (file: string | undefined, what: string): LabelledExample[] | undefined => {
    if (file === undefined) return undefined;
    const path = resolve(ctx.io.cwd, file);
    if (!existsSync(path)) throw new CliError(`${what} file not found: ${file}`);
    assertUtf8File(path, displayPath(ctx.io.cwd, path));
    return readCsvColumns(() => trainable.readData(path), {
      option: `--${what}`,
      shown: file,
      labelColumns: ["label", "category"],
    });
  };
  const dev = readFile(options.dev, "dev");
  const data = readFile(options.data, "data");
  if (options.out !== undefined) {
    const out = resolve(ctx.io.cwd, options.out);
    assertWritablePath(out, { option: "--out", shown: options.out, kind: "directory" });
  }
  // A promotion the lock file would refuse is refused before the training, not after it.
  if (options.promote === true) await assertPromotableLock(ctx.io.cwd);
  const { registry } = loaded;
  const current = registry.get(name);
  const projects = traceProjects(registry, name, options.project);
  const reader = await openTraceReader();
  const stream = globals.json ? undefined : ctx.io.progressStream;
  const bar = stream ? trainingBar(stream) : undefined;
  // Ctrl-C or SIGTERM, in whichever phase it lands: the command ends with 130 or 143 once the trace
  // reader is closed (the local studio's worker and database). The candidate is staged beside its
  // folder, which gets it whole (trained, written and reported) or not at all: the staging folder
  // goes, and the candidate's folder, new or one that existed, is left as it was. The candidate's
  // folder, its reports and the promotion are written with no await in between (see
  // applyPromotion), so a signal finds none or all of them, and one handled before them stops them.
  let staged: StagedFolder | undefined;
  /** The candidate's folder once it is written (the staged files put in place). */
  let written: string | undefined;
  let finished: TrainFromTracesResult | undefined;
  // A second Ctrl-C while the reader closes is ignored (see listenForInterrupt): the first one's
  // exit is under way.
  const onSignal = (signal: NodeJS.Signals): void => {
    bar?.stop();
    const exit = (): never => exitInterrupted(ctx, signal, interruptedWhat());
    // A reader that does not close within a second does not keep the command from ending; the
    // timer is not unref'd: it keeps the process alive until the exit, whatever else has ended.
    setTimeout(exit, 1000);
    reader.close().then(exit, exit);
  };
  /** What the interruption left: removes a folder this command made for an unfinished candidate. */
  const interruptedWhat = (): string => {
    if (finished?.status === "promoted")
      return ` after the promotion was written; ${finished.candidate.id} is promoted (see ${displayPath(ctx.io.cwd, finished.promotedIn ?? "catena.config.json")})`;
    if (finished !== undefined)
      return `; the candidate was finished and is kept: ${displayPath(ctx.io.cwd, finished.candidate.dir)} (report ${displayPath(ctx.io.cwd, finished.report.markdown)})`;
    // Removed last: until now the training, still at work, may have written into it again.
    if (staged === undefined) return "";
    staged.discard();
    return `; nothing was written to ${displayPath(ctx.io.cwd, staged.target)} (the candidate staged beside it is removed)`;
  };
  const interrupt = listenForInterrupt(onSignal);
  const interrupted = (): boolean => interrupt.signal !== undefined;
  let result: TrainFromTracesResult;
  try {
    result = await trainFromTraces({
      trainable,
      current,
      takenVersions: (await candidateVersionFor(ctx.io.cwd, registry, name)).taken,
      client: reader.client,
      where: reader.where,
      projects,
      since,
      cwd: ctx.io.cwd,
      targetPrecision: target,
      minItems,
      minConfidence,
      heldOutShare: heldOut,
      calibShare,
      precisionBound,
      selfTrainWeight,
      selfTrainConfidence,
      llmWeight,
      correctionWeight,
      ratingKey: options.ratingKey,
      minRating,
      seed,
      promote: options.promote === true,
      onStaged: (stage) => {
        if (stage !== undefined) {
          staged = stage;
          return;
        }
        // The candidate's folder, reports and promotion follow with no await: a Ctrl-C already
        // handled stops them, and one that comes after finds them done.
        if (interrupted()) throw new CliError("interrupted before the candidate was written");
        staged = undefined;
      },
      onWritten: (dir) => {
        written = dir;
      },
      ...(dev === undefined ? {} : { dev }),
      ...(data === undefined ? {} : { data }),
      ...(bar === undefined ? {} : { onProgress: (p) => bar.update(p) }),
      ...(options.out === undefined ? {} : { outDir: options.out }),
      ...(gate === undefined ? {} : { gate }),
      ...(maxRegressions === undefined ? {} : { maxRegressions }),
    });
    finished = result;
  } catch (error) {
    // Interrupted, the signal handler's exit ends the command (and says what it left), not this error.
    if (interrupted()) return;
    // A promotion refused or failed after the candidate was written: it stays, with its report.
    if (written !== undefined) {
      ctx.io.err(
        `catena: the candidate is kept, not promoted: ${displayPath(ctx.io.cwd, written)} (its report.md says how it compares)\n`,
      );
    }
    throw error;
  } finally {
    bar?.stop();
    // Still listening while the reader closes: a signal then ends the command as in any phase, its
    // handler waiting on this same close (a reader closes once, however often asked); the
    // handler's exit then reports the interruption, not this close's error.
    if (!interrupted())
      await reader.close().catch((error: unknown) => {
        if (!interrupted()) throw error;
      });
    if (!interrupted()) interrupt.stop();
  }
  // Interrupted, the signal handler closes the reader and ends the command.
  if (interrupted()) return;
  if (globals.json) {
    ctx.io.out(jsonText(summaryJson(result)));
  } else {
    ctx.io.out(trainFromTracesText(ctx.io.cwd, result));
  }
  if (result.status === "unchanged") {
    // A condition that compares it with the current version fails by its being identical: no
    // failure, exit 0, but a promotion asked for did not happen, so say so. A condition on its own
    // figures (precision>=0.97) fails for the current version too: exit 1, as a refused one does.
    const failing = absoluteGateFailures(result.gate).map((c) => c.text);
    ctx.io.err(
      `catena: candidate ${result.candidate.id} is identical to ${result.current.id} (fingerprint ${shortFingerprint(result.candidate.fingerprint)}): not promoted; ${failing.length > 0 ? `and it fails ${failing.join(", ")}, as ${result.current.id} does. ` : ""}train again once new traces or corrections have come in.\n`,
    );
    if (failing.length > 0) ctx.setExitCode(ExitCode.failed);
  } else if (result.status === "refused") {
    const failing = result.gate.filter((c) => !c.passed).map((c) => c.text);
    ctx.io.err(`catena: candidate ${result.candidate.id} refused: ${failing.join(", ")}\n`);
    ctx.setExitCode(ExitCode.failed);
  }
}

/** What `--json` prints: the decision and its figures; the full report is in report.json. */
function summaryJson(r: TrainFromTracesResult): Record<string, unknown> {
  return {
    status: r.status,
    chain: r.chain,
    current: r.current,
    candidate: r.candidate,
    window: r.window,
    traced: r.traced,
    ...(r.training.data === undefined ? {} : { data: r.training.data }),
    dev: { before: r.comparison.dev.before, after: r.comparison.dev.after },
    ...(r.comparison.traffic === undefined ? {} : { traffic: r.comparison.traffic }),
    metrics: r.comparison.metrics,
    gate: r.gate,
    reasons: r.reasons,
    ...(r.promotedIn === undefined ? {} : { promotedIn: r.promotedIn }),
    ...(r.lockedIn === undefined ? {} : { lockedIn: r.lockedIn }),
    report: r.report,
  };
}

/** What of the training examples was left out: dev-split texts, held-out or calibration texts. */
function leftOut(inDev: number, heldOut: number): string {
  const parts = [
    ...(inDev > 0 ? [plural(inDev, "dev-split text")] : []),
    ...(heldOut > 0 ? [`${plural(heldOut, "text")} held out as recent traffic or kept for calibration`] : []),
  ];
  return parts.length === 0 ? "" : ` (${parts.join(" and ")} left out)`;
}

/** The human-readable summary. */
function trainFromTracesText(cwd: string, r: TrainFromTracesResult): string {
  const pct = (x: number | null): string => (x === null ? "-" : `${(x * 100).toFixed(1)}%`);
  const t = r.traced;
  const { before, after } = r.comparison.dev;
  const given = r.training.data;
  const lines = [
    `${r.candidate.id} from ${plural(t.runs, "traced run")} of ${r.chain}: ${plural(t.corrections, "correction")} and ${plural(t.llm, "LLM label")} usable (${t.added} added to training; ${plural(t.heldOut, "text")} of recent traffic held out; ${plural(t.lowRated, "answer")} rated wrong and ${plural(t.inDev, "dev-split text")} left out)${given === undefined && t.heldOutOfTraining > 0 ? `; ${plural(t.heldOutOfTraining, "training example")} left out, their texts held out or kept for calibration` : ""}.`,
    ...(given === undefined
      ? []
      : [
          `trained on the ${plural(given.examples, "example")} of --data${leftOut(given.inDev, t.heldOutOfTraining)} plus the traced labels: ${plural(r.training.examples, "example")}.`,
        ]),
    `dev (${plural(before.items, "item")}, cheap tiers): precision ${pct(before.precision)} -> ${pct(after.precision)}, LLM-call share ${pct(before.llmShare)} -> ${pct(after.llmShare)}, ${plural(r.comparison.dev.comparison.regressions, "regression")}, ${plural(r.comparison.dev.comparison.improvements, "improvement")}`,
  ];
  const traffic = r.comparison.traffic;
  if (traffic) {
    lines.push(
      `recent traffic (${plural(traffic.after.items, "held-out text")}): agreement with the traced labels ${pct(traffic.before.precision)} -> ${pct(traffic.after.precision)}, LLM-call share ${pct(traffic.before.llmShare)} -> ${pct(traffic.after.llmShare)}`,
    );
  }
  lines.push("", "gate:", ...r.reasons.map((line) => `  ${line}`), "");
  lines.push(
    `candidate: ${displayPath(cwd, r.candidate.dir)} (fingerprint ${r.candidate.fingerprint.slice(0, 12)})`,
  );
  lines.push(`report: ${displayPath(cwd, r.report.markdown)}, ${displayPath(cwd, r.report.json)}`);
  if (r.promotedIn !== undefined) {
    lines.push(
      `promoted: ${displayPath(cwd, r.promotedIn)} lists the candidate; \`catena run ${r.chain}\` runs ${r.candidate.version}, ${r.current.id} stays pinned.`,
      ...(r.lockedIn === undefined
        ? []
        : [
            `locked: ${displayPath(cwd, r.lockedIn)} records ${r.candidate.id} ${shortFingerprint(r.candidate.fingerprint)}.`,
          ]),
    );
  } else if (r.status === "candidate") {
    lines.push(
      `not promoted: add --promote, or compare with the LLM tier first: catena compare ${r.current.id} ${r.candidate.id} --chains ${displayPath(cwd, r.candidate.module)} --data <dev file>`,
    );
  }
  return `${lines.join("\n")}\n`;
}
