import type { Client } from "langsmith/client";
import type { Example, Dataset as RemoteDataset } from "langsmith/schemas";
import { sdkCall } from "../tracing/sdk-call.ts";
import type { Dataset } from "./dataset.ts";
import { DatasetNotFoundError } from "./dataset-errors.ts";
import { parseDatasetSpec } from "./dataset-spec.ts";
import { datasetContentHash } from "./example-content.ts";
import { clientUrl, fromRemoteExample } from "./remote-example.ts";
import { writeDatasetFile } from "./write-dataset-file.ts";

/**
 * Reads a dataset from LangSmith or the studio through the SDK: `name`, or `name@<tag|ISO time>`
 * for the examples of that version. With `path`, also writes it there as JSONL
 * ({@link writeDatasetFile}). A missing dataset is a {@link DatasetNotFoundError}.
 *
 * @example
 * const dev = await pullDataset(client, "support-dev@prod", "data/support-dev.jsonl");
 */
export async function pullDataset(client: Client, spec: string, path?: string): Promise<Dataset> {
  const { name, asOf } = parseDatasetSpec(spec);
  const url = clientUrl(client);
  const remote = await findRemoteDataset(client, name);
  if (remote === undefined) {
    throw new DatasetNotFoundError(
      `No dataset named "${name}" on ${url}; catena dataset list shows the datasets there, catena dataset push <file> creates one.`,
      { details: { name, url } },
    );
  }
  const examples = await sdkCall(url, `list the examples of dataset "${name}"`, async () => {
    const out: Example[] = [];
    for await (const e of client.listExamples({
      datasetId: remote.id,
      ...(asOf === undefined ? {} : { asOf }),
    })) {
      out.push(e as Example);
    }
    return out;
  });
  const list = examples.map((e) => fromRemoteExample(e, name));
  const dataset: Dataset = {
    name,
    ...(remote.description ? { description: remote.description } : {}),
    examples: list,
    contentHash: datasetContentHash(list),
    remote: { id: remote.id },
  };
  if (path !== undefined) writeDatasetFile(path, dataset);
  return dataset;
}

/** The dataset of this exact name on the backend, or undefined. */
export async function findRemoteDataset(client: Client, name: string): Promise<RemoteDataset | undefined> {
  return sdkCall(clientUrl(client), `look up dataset "${name}"`, async () => {
    for await (const dataset of client.listDatasets({ datasetName: name })) {
      if (dataset.name === name) return dataset;
    }
    return undefined;
  });
}
