import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename, extname } from "node:path";
import type { Dataset, DatasetExample } from "@catena/core/evals";
import { CliError } from "../cli-error.ts";
import { assertUtf8File } from "./assert-utf8-file.ts";
import type { EvalItem } from "./read-eval-items.ts";

/**
 * The dataset of labelled eval items (`catena eval` on a labelling chain): each item's record is
 * the input, its expected label the reference output `{ <field>: label }`.
 */
export function datasetOfItems(path: string, items: readonly EvalItem[], field: string): Dataset {
  return datasetOf(
    path,
    items.map((item) => ({
      inputs: item.input,
      outputs: { [field]: item.label },
      source: `${basename(path)}:${item.line}`,
    })),
  );
}

/**
 * Reads a JSONL dataset file for chains that are not labelling chains: each line is either
 * LangSmith's example shape `{ "inputs": {...}, "outputs": {...}, "metadata"?, "split"? }` or a
 * flat record (the whole record is the input, no reference).
 *
 * INTEGRATION: a stand-in for `resolveDataset` of `@catena/core/datasets` (branch data11), which
 * also reads CSV and pulls named datasets from LangSmith or the studio; replace it at merge.
 */
export function readDatasetFile(path: string, shownAs: string): Dataset {
  if (extname(path).toLowerCase() !== ".jsonl") {
    throw new CliError(
      `${shownAs}: give a .jsonl file of examples ({"inputs": {...}, "outputs": {...}} per line).`,
    );
  }
  assertUtf8File(path, shownAs);
  const examples: Array<Omit<DatasetExample, "id">> = [];
  readFileSync(path, "utf8")
    .split("\n")
    .forEach((line, i) => {
      if (line.trim() === "") return;
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch (error) {
        throw new CliError(`${shownAs} line ${i + 1} is not valid JSON: ${(error as Error).message}`);
      }
      if (typeof record !== "object" || record === null || Array.isArray(record)) {
        throw new CliError(`${shownAs} line ${i + 1} is not a JSON object.`);
      }
      const r = record as Record<string, unknown>;
      const isExample = typeof r.inputs === "object" && r.inputs !== null;
      const example: { -readonly [K in keyof Omit<DatasetExample, "id">]: Omit<DatasetExample, "id">[K] } = {
        inputs: isExample ? (r.inputs as Record<string, unknown>) : r,
        source: `${basename(path)}:${i + 1}`,
      };
      const outputs = r.outputs ?? r.reference_outputs;
      if (isExample && typeof outputs === "object" && outputs !== null)
        example.outputs = outputs as Record<string, unknown>;
      if (isExample && typeof r.metadata === "object" && r.metadata !== null)
        example.metadata = r.metadata as Record<string, unknown>;
      const split = r.split;
      if (isExample && (typeof split === "string" || Array.isArray(split)))
        example.splits = ([] as string[]).concat(split as string);
      examples.push(example);
    });
  if (examples.length === 0) throw new CliError(`${shownAs} is empty: there are no examples to evaluate.`);
  return datasetOf(path, examples);
}

/** A dataset named after its file, with content-hash ids (the n-th copy of a duplicate gets its own). */
function datasetOf(path: string, examples: ReadonlyArray<Omit<DatasetExample, "id">>): Dataset {
  const seen = new Map<string, number>();
  const withIds = examples.map((e) => {
    const content = JSON.stringify([e.inputs, e.outputs ?? null]);
    const copy = seen.get(content) ?? 0;
    seen.set(content, copy + 1);
    return { id: hash(`${content}#${copy}`), ...e };
  });
  const name = basename(path).replace(/\.[^.]+$/, "");
  return {
    name,
    examples: withIds,
    contentHash: hash(
      withIds
        .map((e) => e.id)
        .sort()
        .join(","),
    ),
  };
}

function hash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}
