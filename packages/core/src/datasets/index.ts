/**
 * `@catena/core/datasets`: datasets read from JSONL and CSV files, synced with LangSmith or the
 * studio by content hash, and built from traced runs and their feedback corrections.
 */
export type { Dataset, DatasetExample } from "./dataset.ts";
export { DatasetNotFoundError } from "./dataset-errors.ts";
export type { DatasetFromTracesOptions, TracedDataset } from "./dataset-from-traces.ts";
export { datasetFromTraces } from "./dataset-from-traces.ts";
export type { DatasetSpec } from "./dataset-spec.ts";
export { parseDatasetSpec } from "./dataset-spec.ts";
export { datasetContentHash, exampleContentHash, exampleIdOf, remoteExampleId } from "./example-content.ts";
export type { DatasetSummary } from "./list-datasets.ts";
export { listDatasets } from "./list-datasets.ts";
export { pullDataset } from "./pull-dataset.ts";
export type { PushDatasetOptions, PushDatasetResult } from "./push-dataset.ts";
export { pushDataset } from "./push-dataset.ts";
export type { ReadDatasetFileOptions } from "./read-dataset-file.ts";
export { readDatasetFile } from "./read-dataset-file.ts";
export { CONTENT_HASH_METADATA_KEY } from "./remote-example.ts";
export type { ResolveDatasetOptions } from "./resolve-dataset.ts";
export { resolveDataset } from "./resolve-dataset.ts";
export type { Utf8Problem } from "./utf8-problem.ts";
export { findUtf8Problem, utf8ProblemText } from "./utf8-problem.ts";
export { datasetJsonl, writeDatasetFile } from "./write-dataset-file.ts";
