import type { Client } from "langsmith/client";
import type { Dataset } from "../datasets/dataset.ts";

/** Where a dataset lives on the backend, and the remote id of each local example. */
export interface RemoteDataset {
  datasetId: string;
  /** Local example id → remote example id. */
  exampleIds: Map<string, string>;
}

/**
 * Makes sure a dataset and its examples exist on the backend (LangSmith or the studio), so that an
 * experiment's runs can be linked to them: the dataset is found by name or created, and examples
 * are matched by their local id (kept in the remote example's `metadata.catena_example_id`), the
 * missing ones created. A dataset pulled from the backend (`dataset.remote`) maps to itself.
 *
 * INTEGRATION: this is the evals branch's stand-in; at merge it delegates to
 * `@catena/core/datasets`' `pushDataset(client, dataset)`, which syncs by content hash.
 */
export async function ensureRemoteDataset(client: Client, dataset: Dataset): Promise<RemoteDataset> {
  let datasetId = dataset.remote?.id;
  if (datasetId === undefined) {
    const exists = await client.hasDataset({ datasetName: dataset.name });
    const remote = exists
      ? await client.readDataset({ datasetName: dataset.name })
      : await client.createDataset(dataset.name, {
          description: dataset.description ?? `catena dataset ${dataset.name}`,
          metadata: { catena_content_hash: dataset.contentHash },
        });
    datasetId = remote.id;
  }
  const exampleIds = new Map<string, string>();
  for await (const example of client.listExamples({ datasetId })) {
    const local = example.metadata?.catena_example_id;
    exampleIds.set(typeof local === "string" ? local : example.id, example.id);
  }
  const missing = dataset.examples.filter((e) => !exampleIds.has(e.id));
  for (let i = 0; i < missing.length; i += 500) {
    const created = await client.createExamples(
      missing.slice(i, i + 500).map((e) => ({
        dataset_id: datasetId,
        inputs: { ...e.inputs },
        ...(e.outputs === undefined ? {} : { outputs: { ...e.outputs } }),
        metadata: { ...e.metadata, catena_example_id: e.id },
        ...(e.splits === undefined ? {} : { split: [...e.splits] }),
      })),
    );
    for (const example of created) {
      const local = example.metadata?.catena_example_id;
      if (typeof local === "string") exampleIds.set(local, example.id);
    }
  }
  return { datasetId, exampleIds };
}
