import type { Client } from "langsmith/client";
import type { Dataset } from "../datasets/dataset.ts";
import { pushDataset } from "../datasets/push-dataset.ts";

/** Where a dataset lives on the backend, and the remote id of each local example. */
export interface RemoteDataset {
  datasetId: string;
  /** Local example id → remote example id. */
  exampleIds: Map<string, string>;
}

/**
 * Makes sure a dataset and its examples exist on the backend (LangSmith or the studio), so that an
 * experiment's runs can be linked to them. It is a dataset sync ({@link pushDataset}, by content
 * hash): an unchanged dataset writes nothing, and the experiment always runs on what the backend holds.
 */
export async function ensureRemoteDataset(client: Client, dataset: Dataset): Promise<RemoteDataset> {
  const { datasetId, exampleIds } = await pushDataset(client, dataset);
  return { datasetId, exampleIds };
}
