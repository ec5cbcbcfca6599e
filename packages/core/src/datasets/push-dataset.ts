import type { Client } from "langsmith/client";
import type { Example, ExampleCreate, ExampleUpdate } from "langsmith/schemas";
import { sdkCall } from "../tracing/sdk-call.ts";
import type { Dataset, DatasetExample } from "./dataset.ts";
import { exampleContent, exampleContentHash, remoteExampleId } from "./example-content.ts";
import { findRemoteDataset } from "./pull-dataset.ts";
import {
  CONTENT_HASH_METADATA_KEY,
  clientUrl,
  fromRemoteExample,
  remoteDatasetMetadata,
} from "./remote-example.ts";

/** Options of {@link pushDataset}. */
export interface PushDatasetOptions {
  /** The remote dataset's name; default `dataset.name`. */
  name?: string;
  /** Its description when it is created; default `dataset.description`. */
  description?: string;
}

/** What {@link pushDataset} did. */
export interface PushDatasetResult {
  datasetId: string;
  /** Local example id → LangSmith example id, for every example of the dataset. */
  exampleIds: Map<string, string>;
  /** `created`: the dataset is new; `updated`: examples were written; `unchanged`: nothing was. */
  status: "created" | "updated" | "unchanged";
  added: number;
  updated: number;
  /** Examples on the backend that the dataset no longer has, deleted (soft, as the SDK does). */
  removed: number;
  unchanged: number;
}

/** Examples sent per request. */
const CHUNK = 200;

/**
 * Syncs a dataset to LangSmith or the studio by content: a new name creates the dataset; an
 * existing one gets the examples it lacks, updates of those whose splits, metadata or outputs
 * changed, and soft deletes of those the dataset no longer has. The dataset's `contentHash` is
 * stored in the remote dataset's metadata (`catena_content_hash`): when it and the examples
 * match, nothing is written. Example ids are UUIDs derived from the dataset id and the local
 * id, so pushing the same file twice addresses the same examples.
 *
 * @example
 * const { status, exampleIds } = await pushDataset(client, readDatasetFile("dev.jsonl"));
 */
export async function pushDataset(
  client: Client,
  dataset: Dataset,
  options: PushDatasetOptions = {},
): Promise<PushDatasetResult> {
  const name = options.name ?? dataset.name;
  const url = clientUrl(client);
  const description = options.description ?? dataset.description;
  const existing = await findRemoteDataset(client, name);
  if (existing === undefined) {
    const created = await sdkCall(url, `create dataset "${name}"`, () =>
      client.createDataset(name, {
        ...(description === undefined ? {} : { description }),
        metadata: { [CONTENT_HASH_METADATA_KEY]: dataset.contentHash },
      }),
    );
    const exampleIds = new Map(dataset.examples.map((e) => [e.id, remoteExampleId(created.id, e.id)]));
    await createExamples(client, url, created.id, dataset.examples, exampleIds);
    return {
      datasetId: created.id,
      exampleIds,
      status: "created",
      added: dataset.examples.length,
      updated: 0,
      removed: 0,
      unchanged: 0,
    };
  }
  const remoteExamples = await sdkCall(url, `list the examples of dataset "${name}"`, async () => {
    const out = new Map<string, Example>();
    for await (const e of client.listExamples({ datasetId: existing.id })) out.set(e.id, e as Example);
    return out;
  });
  const exampleIds = new Map<string, string>();
  const toCreate: DatasetExample[] = [];
  const toUpdate: DatasetExample[] = [];
  let unchanged = 0;
  for (const example of dataset.examples) {
    // An example pulled from this dataset keeps its LangSmith id; others get the derived one.
    const remoteId = remoteExamples.has(example.id) ? example.id : remoteExampleId(existing.id, example.id);
    exampleIds.set(example.id, remoteId);
    const remote = remoteExamples.get(remoteId);
    if (remote === undefined) toCreate.push(example);
    else if (exampleContentHash(fromRemoteExample(remote, name)) !== exampleContentHash(example))
      toUpdate.push(example);
    else unchanged++;
  }
  const kept = new Set(exampleIds.values());
  const toDelete = [...remoteExamples.keys()].filter((id) => !kept.has(id));
  const metadata = remoteDatasetMetadata(existing);
  const changed = toCreate.length + toUpdate.length + toDelete.length > 0;
  if (!changed && metadata[CONTENT_HASH_METADATA_KEY] === dataset.contentHash) {
    return {
      datasetId: existing.id,
      exampleIds,
      status: "unchanged",
      added: 0,
      updated: 0,
      removed: 0,
      unchanged,
    };
  }
  await createExamples(client, url, existing.id, toCreate, exampleIds);
  for (let i = 0; i < toUpdate.length; i += CHUNK) {
    const updates = toUpdate.slice(i, i + CHUNK).map((e) => exampleUpdate(e, exampleIds.get(e.id) as string));
    await sdkCall(url, `update examples of dataset "${name}"`, () => client.updateExamples(updates));
  }
  for (let i = 0; i < toDelete.length; i += CHUNK) {
    const ids = toDelete.slice(i, i + CHUNK);
    await sdkCall(url, `delete examples of dataset "${name}"`, () => client.deleteExamples(ids));
  }
  // `metadata` is part of LangSmith's dataset update (and the studio's), though not of the SDK's type.
  const update: Parameters<Client["updateDataset"]>[0] & { metadata: Record<string, unknown> } = {
    datasetId: existing.id,
    metadata: { ...metadata, [CONTENT_HASH_METADATA_KEY]: dataset.contentHash },
  };
  await sdkCall(url, `store the content hash of dataset "${name}"`, () => client.updateDataset(update));
  return {
    datasetId: existing.id,
    exampleIds,
    status: changed ? "updated" : "unchanged",
    added: toCreate.length,
    updated: toUpdate.length,
    removed: toDelete.length,
    unchanged,
  };
}

async function createExamples(
  client: Client,
  url: string,
  datasetId: string,
  examples: readonly DatasetExample[],
  ids: ReadonlyMap<string, string>,
): Promise<void> {
  for (let i = 0; i < examples.length; i += CHUNK) {
    const uploads = examples.slice(i, i + CHUNK).map(
      (e): ExampleCreate => ({
        id: ids.get(e.id) as string,
        dataset_id: datasetId,
        inputs: { ...e.inputs },
        ...(e.outputs === undefined ? {} : { outputs: { ...e.outputs } }),
        ...(e.metadata === undefined ? {} : { metadata: { ...e.metadata } }),
        ...(e.splits === undefined || e.splits.length === 0 ? {} : { split: [...e.splits] }),
      }),
    );
    await sdkCall(url, "create examples", () => client.createExamples(uploads));
  }
}

function exampleUpdate(example: DatasetExample, remoteId: string): ExampleUpdate {
  const content = exampleContent(example);
  return {
    id: remoteId,
    inputs: { ...content.inputs },
    outputs: { ...content.outputs },
    metadata: { ...content.metadata },
    split: content.splits,
  };
}
