import { basename } from "node:path";
import { datasetContentHash, exampleIdOf } from "@catena/core/datasets";
import type { Dataset, DatasetExample } from "@catena/core/evals";
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
 * A dataset named after its file, with the ids and content hash `@catena/core/datasets` gives (so
 * `catena dataset push` of the same items syncs the same examples); the n-th copy of a duplicate
 * gets its own id.
 */
function datasetOf(path: string, examples: ReadonlyArray<Omit<DatasetExample, "id">>): Dataset {
  const occurrences = new Map<string, number>();
  const withIds = examples.map((e) => {
    const base = exampleIdOf(e);
    const n = (occurrences.get(base) ?? 0) + 1;
    occurrences.set(base, n);
    return { id: exampleIdOf(e, n), ...e };
  });
  const name = basename(path).replace(/\.[^.]+$/, "");
  return { name, examples: withIds, contentHash: datasetContentHash(examples) };
}
