import { assertJsonDepth, MAX_JSON_DEPTH } from "../http/json-depth.ts";
import { parseJsonText } from "../http/parse-json-text.ts";
import { StudioHttpError } from "../http/studio-http-error.ts";
import type { ExampleUpdate, ExampleUpload } from "../store/example-store.ts";
import { isUuid } from "../store/run-fields.ts";
import { toStudioTimestamp } from "../store/studio-timestamp.ts";
import type { MultipartPart } from "./stream-multipart.ts";

/**
 * What one example said (the parts of a multipart upload, or one JSON example of the older
 * `POST /examples` routes), before the upload or update rules are applied.
 */
export interface ExampleEntry {
  body?: Record<string, unknown>;
  inputs?: unknown;
  outputs?: unknown;
  attachments: ExampleUpload["attachments"];
  attachmentsOperations?: unknown;
}

/**
 * Groups the parts the SDK sends for examples by example id: `{id}` (JSON with `metadata`,
 * `split`, `source_run_id`, `created_at`), `{id}.inputs`, `{id}.outputs`, `{id}.attachment.{name}`
 * and `{id}.attachments_operations`. An unknown part or invalid JSON is a 422 naming the part.
 */
function readExampleEntries(parts: readonly MultipartPart[]): Map<string, ExampleEntry> {
  const byId = new Map<string, ExampleEntry>();
  for (const part of parts) {
    const [id, field, ...rest] = part.name.split(".");
    if (!isUuid(id)) throw unknownPart(part.name);
    const entry = byId.get(id.toLowerCase()) ?? { attachments: [] };
    byId.set(id.toLowerCase(), entry);
    if (field === undefined) {
      const body = parseJson(part);
      if (typeof body !== "object" || body === null || Array.isArray(body)) {
        throw new StudioHttpError(
          422,
          `Part "${part.name}" must be a JSON object (metadata, split, source_run_id...).`,
        );
      }
      entry.body = body as Record<string, unknown>;
    } else if (field === "inputs" && rest.length === 0) {
      entry.inputs = parseJson(part);
    } else if (field === "outputs" && rest.length === 0) {
      entry.outputs = parseJson(part);
    } else if (field === "attachment" && rest.length > 0) {
      entry.attachments.push({ name: rest.join("."), mimeType: part.mimeType, data: part.data });
    } else if (field === "attachments_operations" && rest.length === 0) {
      entry.attachmentsOperations = parseJson(part);
    } else {
      throw unknownPart(part.name);
    }
  }
  return byId;
}

/**
 * Reads an examples upload as the SDK's `createExamples` sends it (see {@link readExampleEntries}).
 * Every example needs its inputs; anything else is a 422 naming the part.
 */
export function readExampleUploads(parts: readonly MultipartPart[]): ExampleUpload[] {
  const uploads = [...readExampleEntries(parts)].map(([id, entry]) => exampleUploadOf(id, entry));
  if (uploads.length === 0)
    throw new StudioHttpError(422, "The upload has no examples: send parts <id>, <id>.inputs, <id>.outputs.");
  return uploads;
}

/** One example to create, checked: it needs inputs; anything else wrong is a 422 naming the field. */
export function exampleUploadOf(id: string, entry: ExampleEntry): ExampleUpload {
  if (typeof entry.inputs !== "object" || entry.inputs === null || Array.isArray(entry.inputs)) {
    throw new StudioHttpError(
      422,
      `Example ${id} has no "${id}.inputs" part with a JSON object: every example needs inputs.`,
    );
  }
  if (
    entry.outputs !== undefined &&
    entry.outputs !== null &&
    (typeof entry.outputs !== "object" || Array.isArray(entry.outputs))
  ) {
    throw new StudioHttpError(422, `Part "${id}.outputs" must be a JSON object.`);
  }
  const body = entry.body ?? {};
  const upload: ExampleUpload = {
    id,
    inputs: entry.inputs as Record<string, unknown>,
    attachments: entry.attachments,
  };
  if (entry.outputs !== undefined) upload.outputs = entry.outputs as Record<string, unknown> | null;
  if (typeof body.metadata === "object" && body.metadata !== null && !Array.isArray(body.metadata)) {
    upload.metadata = body.metadata as Record<string, unknown>;
  }
  if (typeof body.split === "string" || Array.isArray(body.split))
    upload.split = body.split as string | string[];
  if (isUuid(body.source_run_id)) upload.source_run_id = body.source_run_id.toLowerCase();
  if (body.created_at != null) upload.created_at = toStudioTimestamp(body.created_at, `${id}: created_at`);
  return upload;
}

function parseJson(part: MultipartPart): unknown {
  let value: unknown;
  try {
    value = parseJsonText(part.data.toString("utf8"));
  } catch (error) {
    throw new StudioHttpError(422, `Part "${part.name}" is not valid JSON (${(error as Error).message}).`);
  }
  assertJsonDepth(value, `Part "${part.name}"`, MAX_JSON_DEPTH + 1);
  return value;
}

function unknownPart(name: string): StudioHttpError {
  return new StudioHttpError(
    422,
    `Unknown part "${name}": expected <example id>, <example id>.inputs, <example id>.outputs or <example id>.attachment.<name>.`,
  );
}

/**
 * Reads an examples update as the SDK's `updateExample`/`updateExamples` send it: the same parts as
 * an upload, each optional; `attachments_operations` is `{"rename": {old: new}, "retain": [names]}`.
 */
export function readExampleUpdates(parts: readonly MultipartPart[]): ExampleUpdate[] {
  const updates = [...readExampleEntries(parts)].map(([id, entry]) => exampleUpdateOf(id, entry));
  if (updates.length === 0) {
    throw new StudioHttpError(422, "The update has no examples: send parts <id>, <id>.inputs, <id>.outputs.");
  }
  return updates;
}

/** One example's change, checked: every field is optional; a wrong one is a 422 naming it. */
export function exampleUpdateOf(id: string, entry: ExampleEntry): ExampleUpdate {
  const update: ExampleUpdate = { id, attachments: entry.attachments };
  for (const field of ["inputs", "outputs"] as const) {
    const value = entry[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== "object" || Array.isArray(value)) {
      throw new StudioHttpError(422, `Part "${id}.${field}" must be a JSON object.`);
    }
    update[field] = value as Record<string, unknown>;
  }
  const body = entry.body ?? {};
  if (typeof body.metadata === "object" && body.metadata !== null && !Array.isArray(body.metadata)) {
    update.metadata = body.metadata as Record<string, unknown>;
  }
  if (typeof body.split === "string" || Array.isArray(body.split))
    update.split = body.split as string | string[];
  if (entry.attachmentsOperations !== undefined && entry.attachmentsOperations !== null) {
    update.attachmentsOperations = toAttachmentsOperations(entry.attachmentsOperations, id);
  }
  return update;
}

function toAttachmentsOperations(
  raw: unknown,
  id: string,
): NonNullable<ExampleUpdate["attachmentsOperations"]> {
  const fail = () =>
    new StudioHttpError(
      422,
      `Part "${id}.attachments_operations" must be {"rename": {"old": "new"}, "retain": ["name"]}.`,
    );
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw fail();
  const { rename, retain } = raw as Record<string, unknown>;
  const out: NonNullable<ExampleUpdate["attachmentsOperations"]> = { rename: {}, retain: [] };
  if (rename !== undefined && rename !== null) {
    if (typeof rename !== "object" || Array.isArray(rename)) throw fail();
    for (const [from, to] of Object.entries(rename)) {
      if (typeof to !== "string") throw fail();
      out.rename[from] = to;
    }
  }
  if (retain !== undefined && retain !== null) {
    if (!Array.isArray(retain) || !retain.every((r) => typeof r === "string")) throw fail();
    out.retain = retain as string[];
  }
  return out;
}
