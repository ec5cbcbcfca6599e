import type { Context } from "hono";
import { StudioHttpError } from "../http/studio-http-error.ts";
import type { StudioExample } from "../store/example-store.ts";

/** The fields `GET /examples?select=` may name (LangSmith's example fields; `name` is never set here). */
export const EXAMPLE_SELECT_FIELDS = [
  "id",
  "name",
  "dataset_id",
  "inputs",
  "outputs",
  "metadata",
  "source_run_id",
  "created_at",
  "modified_at",
  "attachment_urls",
] as const;

/**
 * What an example holds whatever `select` says, unless `exclude_default_fields=true`: every field
 * but the three the SDK asks for by name when it selects (`listExamples({ includeAttachments })`
 * sends `select=attachment_urls,outputs,metadata`), so that its examples still carry the
 * `source_run_id` that dataset code reads.
 */
const ALWAYS = ["id", "created_at", "modified_at", "inputs", "name", "dataset_id", "source_run_id"] as const;

/**
 * The fields `GET /examples` answers with, from its `select` and `exclude_default_fields`
 * parameters (`listExamples({ select, excludeDefaultFields })`), or `undefined` for every field
 * (no `select`). As in LangSmith, a `select` lists the fields wanted besides `id`, `created_at`,
 * `modified_at`, `inputs`, `name`, `dataset_id` and `source_run_id`, which come anyway unless
 * `exclude_default_fields=true` leaves only `id` and the selected ones. A field that examples do
 * not have is a 422 that lists the ones they do.
 */
export function exampleSelection(c: Context): ReadonlySet<string> | undefined {
  const select = c.req.queries("select")?.flatMap((value) => value.split(","));
  if (select === undefined || select.length === 0) return undefined;
  for (const field of select) {
    if (!(EXAMPLE_SELECT_FIELDS as readonly string[]).includes(field)) {
      throw new StudioHttpError(
        422,
        `Query parameter "select" names ${JSON.stringify(field)}, which examples do not have: select from ${EXAMPLE_SELECT_FIELDS.join(", ")}.`,
        { code: "unknown-select-field", field, allowed: [...EXAMPLE_SELECT_FIELDS] },
      );
    }
  }
  const exclude = c.req.query("exclude_default_fields")?.toLowerCase() === "true";
  return new Set([...(exclude ? ["id"] : ALWAYS), ...select]);
}

/** An example with only the `fields` it has of those selected. */
export function selectExampleFields(
  example: StudioExample,
  fields: ReadonlySet<string>,
): Partial<StudioExample> & Pick<StudioExample, "id"> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(example)) {
    if (fields.has(key)) out[key] = value;
  }
  return out as Partial<StudioExample> & Pick<StudioExample, "id">;
}
