import { existsSync } from "node:fs";
import type { Client } from "langsmith/client";
import type { Dataset } from "./dataset.ts";
import { DatasetNotFoundError } from "./dataset-errors.ts";
import { pullDataset } from "./pull-dataset.ts";
import { type ReadDatasetFileOptions, readDatasetFile } from "./read-dataset-file.ts";

/** Options of {@link resolveDataset}. */
export interface ResolveDatasetOptions extends Omit<ReadDatasetFileOptions, "name" | "shownAs"> {
  /** The backend to pull named datasets from; default the environment's (`traceClientFromEnv`). */
  client?: Client;
}

/**
 * The dataset `spec` names: a `.jsonl` / `.csv` file when one exists at that path
 * ({@link readDatasetFile}, with the chain's or the given fields), else a dataset on LangSmith or
 * the studio, `name` or `name@<tag|ISO time>` ({@link pullDataset}).
 *
 * @example
 * const data = await resolveDataset(options.data, { chain, client: backend.client.client });
 */
export async function resolveDataset(spec: string, options: ResolveDatasetOptions = {}): Promise<Dataset> {
  const { client: given, ...fileOptions } = options;
  if (existsSync(spec)) return readDatasetFile(spec, fileOptions);
  // Loaded only here: reading files must not pull in the SDK.
  const client = given ?? (await import("../tracing/trace-client.ts")).traceClientFromEnv().client;
  try {
    return await pullDataset(client, spec);
  } catch (error) {
    if (error instanceof DatasetNotFoundError && /\.(jsonl|csv)$|[/\\]/i.test(spec)) {
      throw new DatasetNotFoundError(
        `No file ${spec} (looked from ${process.cwd()}) and no dataset of that name: check the path.`,
        { cause: error, details: { spec } },
      );
    }
    throw error;
  }
}
