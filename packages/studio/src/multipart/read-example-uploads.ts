import { assertJsonDepth, MAX_JSON_DEPTH } from "../http/json-depth.ts";
import { StudioHttpError } from "../http/studio-http-error.ts";
import type { ExampleUpload } from "../store/example-store.ts";
import { isUuid } from "../store/run-fields.ts";
import { toStudioTimestamp } from "../store/studio-timestamp.ts";
import type { MultipartPart } from "./parse-multipart.ts";

/**
 * Reads an examples upload as the SDK's `createExamples` sends it: per example a part `{id}` (JSON
 * with `metadata`, `split`, `source_run_id`, `created_at`), `{id}.inputs`, `{id}.outputs` and
 * `{id}.attachment.{name}`. Every example needs its inputs; anything else is a 422 naming the part.
 */
export function readExampleUploads(parts: readonly MultipartPart[]): ExampleUpload[] {
  const byId = new Map<
    string,
    {
      body?: Record<string, unknown>;
      inputs?: unknown;
      outputs?: unknown;
      attachments: ExampleUpload["attachments"];
    }
  >();
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
    } else if (field === "attachments_operations") {
      // Only meaningful for updates of existing attachments; an upload has none to rename or keep.
    } else {
      throw unknownPart(part.name);
    }
  }
  const uploads: ExampleUpload[] = [];
  for (const [id, entry] of byId) {
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
    uploads.push(upload);
  }
  if (uploads.length === 0)
    throw new StudioHttpError(422, "The upload has no examples: send parts <id>, <id>.inputs, <id>.outputs.");
  return uploads;
}

function parseJson(part: MultipartPart): unknown {
  let value: unknown;
  try {
    value = JSON.parse(part.data.toString("utf8"));
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
