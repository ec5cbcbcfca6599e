import type { Example, Dataset as RemoteDataset } from "langsmith/schemas";
import type { DatasetExample } from "./dataset.ts";
import { DEFAULT_SPLIT, SPLIT_METADATA_KEY } from "./example-content.ts";

/** The dataset metadata key under which a push stores the dataset's `contentHash`. */
export const CONTENT_HASH_METADATA_KEY = "catena_content_hash";

/**
 * A LangSmith example as a {@link DatasetExample}: its splits come out of `metadata.dataset_split`,
 * and the lone default split `base` (which LangSmith gives examples pushed without one) is dropped.
 */
export function fromRemoteExample(example: Example, datasetName: string): DatasetExample {
  const { [SPLIT_METADATA_KEY]: rawSplits, ...metadata } = example.metadata ?? {};
  const listed: unknown[] = Array.isArray(rawSplits)
    ? rawSplits
    : rawSplits === undefined
      ? Array.isArray(example.split)
        ? example.split
        : [example.split]
      : [rawSplits];
  const splits = [...new Set(listed.filter((s): s is string => typeof s === "string" && s !== ""))].sort();
  const outputs = example.outputs ?? undefined;
  return {
    id: example.id,
    inputs: example.inputs ?? {},
    ...(outputs === undefined || Object.keys(outputs).length === 0 ? {} : { outputs }),
    ...(splits.length === 0 || (splits.length === 1 && splits[0] === DEFAULT_SPLIT) ? {} : { splits }),
    ...(Object.keys(metadata).length === 0 ? {} : { metadata }),
    source: `langsmith:${datasetName}/${example.id}`,
  };
}

/** A remote dataset's metadata: LangSmith answers it as `metadata`, the SDK sends it as `extra.metadata`. */
export function remoteDatasetMetadata(dataset: RemoteDataset): Record<string, unknown> {
  const raw = dataset as RemoteDataset & { metadata?: unknown; extra?: { metadata?: unknown } | null };
  const metadata = raw.metadata ?? raw.extra?.metadata;
  return typeof metadata === "object" && metadata !== null ? (metadata as Record<string, unknown>) : {};
}

/** The API URL a client talks to, for messages (the SDK keeps it private). */
export function clientUrl(client: object): string {
  const url = Reflect.get(client, "apiUrl");
  return typeof url === "string" ? url : "the trace backend";
}
