import type { Client } from "langsmith/client";
import { sdkCall } from "../tracing/sdk-call.ts";
import { CONTENT_HASH_METADATA_KEY, clientUrl, remoteDatasetMetadata } from "./remote-example.ts";

/** One dataset on the backend, as `catena dataset list` shows it. */
export interface DatasetSummary {
  id: string;
  name: string;
  description?: string;
  exampleCount?: number;
  /** ISO time of the last change. */
  modifiedAt?: string;
  /** The `contentHash` stored by the last `pushDataset`, when a push made it. */
  contentHash?: string;
}

/**
 * Lists the datasets on LangSmith or the studio, by name.
 *
 * @example
 * for (const d of await listDatasets(client)) console.log(d.name, d.exampleCount);
 */
export async function listDatasets(client: Client): Promise<DatasetSummary[]> {
  const datasets = await sdkCall(clientUrl(client), "list datasets", async () => {
    const out: DatasetSummary[] = [];
    for await (const d of client.listDatasets()) {
      const hash = remoteDatasetMetadata(d)[CONTENT_HASH_METADATA_KEY];
      out.push({
        id: d.id,
        name: d.name,
        ...(d.description ? { description: d.description } : {}),
        ...(typeof d.example_count === "number" ? { exampleCount: d.example_count } : {}),
        ...(d.modified_at ? { modifiedAt: d.modified_at } : {}),
        ...(typeof hash === "string" ? { contentHash: hash } : {}),
      });
    }
    return out;
  });
  return datasets.sort((a, b) => a.name.localeCompare(b.name));
}
