import { createHash } from "node:crypto";
import { canonicalJson } from "../versioning/canonical-json.ts";
import type { DatasetExample } from "./dataset.ts";

/**
 * The split LangSmith puts an example in when it is given none: an example without splits and one
 * in `["base"]` are the same content, so that a dataset pulled back hashes as the file it came from.
 */
export const DEFAULT_SPLIT = "base";

/** The metadata key LangSmith keeps an example's splits under. */
export const SPLIT_METADATA_KEY = "dataset_split";

/** What two examples must share to be the same: absent outputs and metadata are `{}`, splits sorted. */
export interface ExampleContent {
  inputs: Readonly<Record<string, unknown>>;
  outputs: Readonly<Record<string, unknown>>;
  splits: string[];
  metadata: Readonly<Record<string, unknown>>;
}

/** The normalised content of an example, the form hashes and the sync compare. */
export function exampleContent(example: Omit<DatasetExample, "id">): ExampleContent {
  const splits = [...new Set(example.splits ?? [])].sort();
  return {
    inputs: example.inputs,
    outputs: example.outputs ?? {},
    splits: splits.length === 0 ? [DEFAULT_SPLIT] : splits,
    metadata: example.metadata ?? {},
  };
}

/** sha256 (hex) of an example's normalised content. */
export function exampleContentHash(example: Omit<DatasetExample, "id">): string {
  return sha256(canonicalJson(exampleContent(example)));
}

/**
 * The id of an example that its source does not name: 16 hex characters of the hash of its inputs
 * and outputs, so editing its splits or metadata keeps its id (the sync updates it in place).
 * `occurrence` (1 for the first) tells apart identical examples of one file.
 */
export function exampleIdOf(example: Pick<DatasetExample, "inputs" | "outputs">, occurrence = 1): string {
  const content = { inputs: example.inputs, outputs: example.outputs ?? {} };
  return sha256(canonicalJson(occurrence === 1 ? content : { ...content, occurrence })).slice(0, 16);
}

/**
 * The `contentHash` of a dataset: 16 hex characters over its examples' contents, independent of
 * their order and of their ids.
 *
 * @example
 * datasetContentHash(dataset.examples) === pulled.contentHash; // same examples, any order
 */
export function datasetContentHash(examples: readonly Omit<DatasetExample, "id">[]): string {
  const hashes = examples.map(exampleContentHash).sort();
  return sha256(hashes.join("\n")).slice(0, 16);
}

/**
 * The LangSmith example id (a UUID v5) of a local example id in one remote dataset: the same file
 * pushed twice gives the same ids, and two datasets holding the same example do not collide.
 */
export function remoteExampleId(datasetId: string, localId: string): string {
  const namespace = Buffer.from(datasetId.replaceAll("-", ""), "hex");
  const hash = createHash("sha1").update(namespace).update(localId, "utf8").digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
