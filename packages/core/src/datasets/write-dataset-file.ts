import { writeFileSync } from "node:fs";
import type { Dataset } from "./dataset.ts";

/**
 * Writes a dataset as JSONL in the LangSmith shape, one example a line
 * (`{"id", "inputs", "outputs", "splits", "metadata"}`), which {@link readDatasetFile} reads back
 * to the same examples, ids and `contentHash`.
 */
export function writeDatasetFile(path: string, dataset: Dataset): void {
  const lines = dataset.examples.map((e) =>
    JSON.stringify({
      id: e.id,
      inputs: e.inputs,
      ...(e.outputs === undefined ? {} : { outputs: e.outputs }),
      ...(e.splits === undefined ? {} : { splits: e.splits }),
      ...(e.metadata === undefined ? {} : { metadata: e.metadata }),
    }),
  );
  writeFileSync(path, lines.length === 0 ? "" : `${lines.join("\n")}\n`);
}
