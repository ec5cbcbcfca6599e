import { readFile } from "node:fs/promises";
import type { Client } from "langsmith/client";
import { readRunTree } from "../tracing/v2-run-reads.ts";
import { EvalsError } from "./evals-error.ts";
import type { EvaluatorScore } from "./evaluator.ts";
import { type AlignmentPair, type AlignmentReport, alignmentReport } from "./judge-alignment.ts";
import type { LlmJudge } from "./llm-judge.ts";

/** One human-labelled output: what was asked, what the system answered, and the person's verdict. */
export interface HumanLabel {
  id: string;
  inputs: Record<string, unknown>;
  output: unknown;
  reference?: Record<string, unknown>;
  /** The person's verdict: pass (true) or fail (false). */
  pass: boolean;
}

/**
 * Reads human labels from a JSONL file: one `{ "id"?, "inputs", "output", "reference"?, "label" }`
 * per line, `label` being `true`/`false`, `"pass"`/`"fail"` or 1/0. Bad lines are errors naming
 * the line.
 */
export async function readHumanLabels(path: string): Promise<HumanLabel[]> {
  const text = await readFile(path, "utf8");
  const labels: HumanLabel[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const where = `${path} line ${i + 1}`;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch (error) {
      throw labelsError(`${where} is not valid JSON: ${(error as Error).message}`);
    }
    const pass = verdictOf(record.label);
    if (pass === undefined) throw labelsError(`${where}: "label" must be true/false, "pass"/"fail" or 1/0`);
    if (typeof record.inputs !== "object" || record.inputs === null)
      throw labelsError(`${where}: "inputs" must be an object`);
    const label: HumanLabel = {
      id: typeof record.id === "string" ? record.id : String(i + 1),
      inputs: record.inputs as Record<string, unknown>,
      output: record.output,
      pass,
    };
    if (typeof record.reference === "object" && record.reference !== null)
      label.reference = record.reference as Record<string, unknown>;
    labels.push(label);
  });
  if (labels.length === 0) throw labelsError(`${path} holds no labels; write one JSON object per line.`);
  return labels;
}

/**
 * Reads human labels from feedback given in the studio or LangSmith: every feedback row with `key`
 * (a score of 1/true passes, 0/false fails) on a run whose inputs and outputs are read back through
 * the SDK, with the reference output of the run's dataset example when it is an experiment's run.
 */
export async function humanLabelsFromFeedback(client: Client, key: string): Promise<HumanLabel[]> {
  const labels: HumanLabel[] = [];
  for await (const f of client.listFeedback({ feedbackKeys: [key] })) {
    const pass = verdictOf(f.score);
    if (pass === undefined || f.run_id === undefined || f.run_id === null) continue;
    // The v2 run query (not the deprecated `readRun`): the CLI prints no SDK deprecation warning.
    const run = await readRunTree(client, f.run_id, { children: false });
    if (run === undefined) continue;
    const label: HumanLabel = { id: f.run_id, inputs: run.inputs ?? {}, output: run.outputs ?? {}, pass };
    // A run of an experiment answers a dataset example: its outputs are the reference.
    if (run.reference_example_id) {
      const example = await client.readExample(run.reference_example_id);
      if (example.outputs) label.reference = example.outputs;
    }
    labels.push(label);
  }
  if (labels.length === 0) {
    throw labelsError(
      `no feedback with key "${key}" and a pass/fail score was found; give some in the studio, or use --labels <file>.`,
    );
  }
  return labels;
}

/** How a judge's verdict reads as pass/fail: pass/fail judges as they are; 1–5 judges pass at 4 or more. */
export function judgePasses(score: EvaluatorScore): boolean | null {
  if (score === null) return null;
  return typeof score === "boolean" ? score : score >= 4;
}

/**
 * Runs a judge over human-labelled outputs and measures how it agrees with the people: kappa,
 * TPR/TNR, confusion matrix, disagreements. Also returns what the judge spent.
 *
 * @example
 * const { report } = await alignJudge(judge, await readHumanLabels("labels.jsonl"));
 */
export async function alignJudge(
  judge: LlmJudge,
  labels: readonly HumanLabel[],
): Promise<{ report: AlignmentReport; costUsd: number }> {
  const pairs: AlignmentPair[] = [];
  let costUsd = 0;
  for (const label of labels) {
    const r = await judge.evaluate({
      inputs: label.inputs,
      output: label.output,
      reference: label.reference,
      status: "done",
    });
    costUsd += r.usage?.costUsd ?? 0;
    const pair: AlignmentPair = { id: label.id, judge: judgePasses(r.score), human: label.pass };
    if (r.comment !== undefined) pair.comment = r.comment;
    pairs.push(pair);
  }
  return { report: alignmentReport(pairs), costUsd };
}

function verdictOf(value: unknown): boolean | undefined {
  if (value === true || value === 1 || value === "pass") return true;
  if (value === false || value === 0 || value === "fail") return false;
  return undefined;
}

function labelsError(message: string): EvalsError {
  return new EvalsError("ALIGNMENT_LABELS_INVALID", message);
}
