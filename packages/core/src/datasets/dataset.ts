/**
 * The dataset contract shared by `@catena/core/datasets` (reading files, syncing with LangSmith or
 * the studio, building examples from traces) and `@catena/core/evals` (experiments, compare, gates).
 * An example has the LangSmith shape, so a dataset read from a file and one pulled through the SDK
 * are the same value, and its id is stable: the content hash of the example when the source gives none.
 */

/** One example: the chain's input, the reference output when known, its splits and metadata. */
export interface DatasetExample {
  /** Stable id: the LangSmith example id when pulled, else a content hash of inputs and outputs. */
  readonly id: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  /** The reference (expected) output; absent for unlabelled examples. */
  readonly outputs?: Readonly<Record<string, unknown>>;
  /** Splits the example belongs to (LangSmith's `metadata.dataset_split`), e.g. `["dev"]`. */
  readonly splits?: readonly string[];
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** Where it came from, for messages: `file.jsonl:12`, `langsmith:<dataset>/<example id>`. */
  readonly source?: string;
}

/** A named list of examples, with a hash of their content that push/pull compare. */
export interface Dataset {
  readonly name: string;
  readonly description?: string;
  readonly examples: readonly DatasetExample[];
  /** sha256 (hex, 16 chars) over the examples' inputs, outputs, splits and metadata, order-independent. */
  readonly contentHash: string;
  /** Set when the dataset exists in a LangSmith backend (LangSmith or the studio). */
  readonly remote?: { readonly id: string; readonly url?: string };
}
