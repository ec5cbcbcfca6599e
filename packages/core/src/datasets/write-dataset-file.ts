import { writeFileSync } from "node:fs";
import type { Dataset } from "./dataset.ts";

/**
 * A dataset as JSONL in the LangSmith shape, one example a line
 * (`{"id", "inputs", "outputs", "splits", "metadata"}`), each line ending in a newline.
 */
export function datasetJsonl(dataset: Dataset): string {
  return dataset.examples
    .map(
      (e) =>
        `${JSON.stringify({
          id: e.id,
          inputs: e.inputs,
          ...(e.outputs === undefined ? {} : { outputs: e.outputs }),
          ...(e.splits === undefined ? {} : { splits: e.splits }),
          ...(e.metadata === undefined ? {} : { metadata: e.metadata }),
        })}\n`,
    )
    .join("");
}

/**
 * Writes a dataset as {@link datasetJsonl}, which {@link readDatasetFile} reads back to the same
 * examples, ids and `contentHash`.
 */
export function writeDatasetFile(path: string, dataset: Dataset): void {
  writeFileSync(path, datasetJsonl(dataset));
}
