import type { Client } from "langsmith/client";
import type { Example, Dataset as RemoteDataset } from "langsmith/schemas";
import { backendError, isNotFound, sdkCall } from "../tracing/sdk-call.ts";
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
  const version = asOf === undefined ? undefined : await versionTime(client, remote.id, name, asOf, url);
  const examples = await sdkCall(url, `list the examples of dataset "${name}"`, async () => {
    const out: Example[] = [];
    for await (const e of client.listExamples({
      datasetId: remote.id,
      ...(version === undefined ? {} : { asOf: version }),
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

/**
 * The `as_of` time of a dataset version named by a tag or an ISO time, asked of the backend first so
 * that one keeping no versions is an error rather than silently the latest examples.
 */
async function versionTime(
  client: Client,
  datasetId: string,
  name: string,
  asOf: string,
  url: string,
): Promise<string> {
  const isTime = /^\d{4}-\d\d-\d\d/.test(asOf);
  try {
    const version = await client.readDatasetVersion({ datasetId, ...(isTime ? { asOf } : { tag: asOf }) });
    return version.as_of;
  } catch (error) {
    if (!isNotFound(error)) throw backendError(error, url, `read version "${asOf}" of dataset "${name}"`);
    throw new DatasetNotFoundError(
      `Dataset "${name}" on ${url} has no version "${asOf}": give a tag set on it (LangSmith's updateDatasetTag) or an ISO time, or pull "${name}" for the latest examples.`,
      { cause: error, details: { name, asOf, url } },
    );
  }
}
