import { existsSync, readFileSync } from "node:fs";
import { extname, join, resolve } from "node:path";
import { trainableChains } from "@catena/chains";
import { type AnyChain, DiskResponseCache, setDefaultResponseCache } from "@catena/core";
import {
  type Dataset,
  type Evaluator,
  type GateCondition,
  JUDGE_RECORDS_DIR,
  type LlmJudge,
  requireAlignedJudge,
} from "@catena/core/evals";
import { CliError } from "../cli-error.ts";
import type { CommandContext } from "../command-context.ts";
import { displayPath } from "../format/display-path.ts";
import { datasetOfItems, readDatasetFile } from "./eval-dataset.ts";
import { type LabelField, labelFieldOf } from "./label-field.ts";
import { readEvalItems } from "./read-eval-items.ts";
import { evalsConfigIn, resolveEvaluators } from "./resolve-evaluators.ts";

/** What `eval` and `compare` prepare before running: the data, the label field and the evaluators. */
export interface EvalSetup {
  dataset: Dataset;
  /** The data file as shown in messages. */
  shownAs: string;
  path: string;
  /** Set for labelling chains: the output field compared with the items' labels. */
  label?: LabelField;
  evaluators: Evaluator[];
  judges: LlmJudge[];
}

/**
 * Reads the data (labelled items for labelling chains, else JSONL examples), picks the evaluators,
 * refuses a gate that leans on a judge without a current alignment record of enough agreement, and
 * turns the LLM answer cache on (unless repeats must reach the model).
 */
export async function prepareEval(
  ctx: CommandContext,
  chain: AnyChain,
  options: {
    data: string;
    labelField?: string;
    evaluators?: string;
    gate?: readonly GateCondition[];
    llmCache: string | false;
    repeats: number;
  },
): Promise<EvalSetup> {
  const path = resolve(ctx.io.cwd, options.data);
  if (!existsSync(path)) throw new CliError(`data file not found: ${options.data}`);
  const shownAs = displayPath(ctx.io.cwd, path);
  // Examples in LangSmith's shape ({ inputs, outputs }) are read as they are; flat labelled items
  // (the original `catena eval` format) make a labelling chain's reference from its label field.
  const examples = isExampleFile(path);
  const label = examples
    ? options.labelField === undefined
      ? undefined
      : labelFieldOf(chain, options.labelField)
    : labelFieldOrNone(chain, options.labelField);
  const labels = label && (trainableChains.find((t) => t.name === chain.name)?.labels ?? label.labels);
  const dataset =
    label && !examples
      ? datasetOfItems(path, readEvalItems(path, shownAs, labels, label.field), label.field)
      : readDatasetFile(path, shownAs);
  const config = await evalsConfigIn(ctx.io.cwd);
  const names = options.evaluators
    ?.split(",")
    .map((n) => n.trim())
    .filter((n) => n !== "");
  const { evaluators, judges, minKappa } = resolveEvaluators(chain, config, names, label?.field);
  if (options.gate !== undefined) {
    // A gate may only lean on judges measured against people, for their current fingerprint.
    for (const judge of judges)
      await requireAlignedJudge(join(ctx.io.cwd, JUDGE_RECORDS_DIR), judge, minKappa);
  }
  // Repeats measure non-determinism: answered from a cache they would all agree.
  if (options.llmCache !== false && options.repeats === 1) {
    setDefaultResponseCache(new DiskResponseCache(resolve(ctx.io.cwd, options.llmCache)));
  }
  const setup: EvalSetup = { dataset, shownAs, path, evaluators, judges };
  if (label) setup.label = label;
  return setup;
}

/** Whether a .jsonl file holds examples in LangSmith's shape: its first record has an `inputs` object. */
function isExampleFile(path: string): boolean {
  if (extname(path).toLowerCase() !== ".jsonl") return false;
  const first = readFileSync(path, "utf8")
    .split("\n")
    .find((line) => line.trim() !== "");
  try {
    const record = JSON.parse(first ?? "null") as { inputs?: unknown } | null;
    return typeof record?.inputs === "object" && record.inputs !== null;
  } catch {
    return false;
  }
}

/** The label field of a labelling chain, or undefined for other chains (when none was asked for). */
function labelFieldOrNone(chain: AnyChain, given: string | undefined): LabelField | undefined {
  try {
    return labelFieldOf(chain, given);
  } catch (error) {
    if (given !== undefined) throw error;
    return undefined;
  }
}
