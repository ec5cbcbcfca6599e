import { existsSync, readFileSync } from "node:fs";
import { extname, join, resolve } from "node:path";
import { trainableChains } from "@catena/chains";
import { type AnyChain, DiskResponseCache, setDefaultResponseCache } from "@catena/core";
import { DatasetNotFoundError, readDatasetFile, resolveDataset } from "@catena/core/datasets";
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
import { assertNotDirectory } from "../input-file.ts";
import { openTraceReader } from "../tracing/trace-reader.ts";
import { datasetOfItems } from "./eval-dataset.ts";
import { type LabelField, labelFieldOf } from "./label-field.ts";
import { readEvalItems } from "./read-eval-items.ts";
import { evalsConfigIn, resolveEvaluators } from "./resolve-evaluators.ts";
import { unknownLabelsWarning } from "./unknown-labels-warning.ts";

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
  /** Warnings about the data (labels the chain does not know), for the command to print once. */
  warnings: string[];
}

/** What `prepareEval` is given: the command's options that shape the data and the evaluators. */
export interface PrepareEvalOptions {
  data: string;
  labelField?: string;
  evaluators?: string;
  gate?: readonly GateCondition[];
  llmCache: string | false;
  repeats: number;
  /** Refuse the file when an item's expected label is not in the chain's label set (`--strict-labels`). */
  strictLabels?: boolean;
}

/**
 * Reads the data (labelled items for labelling chains, else JSONL examples), picks the evaluators,
 * refuses a gate that leans on a judge without a current alignment record of enough agreement, and
 * turns the LLM answer cache on (unless repeats must reach the model).
 */
export async function prepareEval(
  ctx: CommandContext,
  chain: AnyChain,
  options: PrepareEvalOptions,
): Promise<EvalSetup> {
  const path = resolve(ctx.io.cwd, options.data);
  if (!existsSync(path)) return prepareRemoteEval(ctx, chain, options);
  const shownAs = displayPath(ctx.io.cwd, path);
  assertNotDirectory(path, { option: "--data", shown: shownAs });
  // Examples in LangSmith's shape ({ inputs, outputs }) are read as they are; flat labelled items
  // (the original `catena eval` format) make a labelling chain's reference from its label field.
  const examples = isExampleFile(path);
  const label = examples
    ? options.labelField === undefined
      ? undefined
      : labelFieldOf(chain, options.labelField)
    : labelFieldOrNone(chain, options.labelField);
  const labels = label && (trainableChains.find((t) => t.name === chain.name)?.labels ?? label.labels);
  let dataset: Dataset;
  const warnings: string[] = [];
  if (label && !examples) {
    // Held-out data may hold a label the chain does not know (a new intent) or an item it refuses
    // (a blank text): both are results to report, a miss and an error, not reasons to refuse the
    // file, unless --strict-labels asks for the refusal.
    const strict = options.strictLabels === true;
    const items = readEvalItems(path, shownAs, strict ? labels : undefined, label.field, "--data", true);
    const warning = strict ? undefined : unknownLabelsWarning(shownAs, chain.name, items, labels);
    if (warning !== undefined) warnings.push(warning);
    dataset = datasetOfItems(path, items, label.field);
  } else dataset = readDatasetFile(path, { chain, shownAs });
  return finishSetup(ctx, chain, options, {
    dataset,
    shownAs,
    path,
    warnings,
    ...(label ? { label } : {}),
  });
}

/**
 * `--data` names no file: a dataset on the backend (LangSmith or the studio), pulled through the
 * SDK as `name` or `name@<tag|time>`; its reference outputs are compared as they are.
 */
async function prepareRemoteEval(
  ctx: CommandContext,
  chain: AnyChain,
  options: PrepareEvalOptions,
): Promise<EvalSetup> {
  const reader = await openTraceReader();
  let dataset: Dataset;
  try {
    dataset = await resolveDataset(options.data, { client: reader.client.client, chain });
  } catch (error) {
    if (error instanceof DatasetNotFoundError) {
      throw new CliError(
        `--data ${options.data}: no such file (looked from ${ctx.io.cwd}) and no dataset of that name on ${reader.where}; give a .jsonl/.csv file or a dataset name (npx catena dataset list).`,
      );
    }
    throw error;
  } finally {
    await reader.close();
  }
  const label = options.labelField === undefined ? undefined : labelFieldOf(chain, options.labelField);
  return finishSetup(ctx, chain, options, {
    dataset,
    shownAs: `dataset ${dataset.name}`,
    path: options.data,
    warnings: [],
    ...(label ? { label } : {}),
  });
}

/** Picks the evaluators, checks the judges a gate leans on, and sets up the LLM answer cache. */
async function finishSetup(
  ctx: CommandContext,
  chain: AnyChain,
  options: PrepareEvalOptions,
  data: Pick<EvalSetup, "dataset" | "shownAs" | "path" | "label" | "warnings">,
): Promise<EvalSetup> {
  const label = data.label;
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
  return { ...data, evaluators, judges };
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
