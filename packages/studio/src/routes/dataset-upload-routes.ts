import { randomUUID } from "node:crypto";
import { parse } from "csv-parse/sync";
import type { Hono } from "hono";
import { StudioHttpError } from "../http/studio-http-error.ts";
import { parseMultipart } from "../multipart/parse-multipart.ts";
import { toDatasetCreate } from "../store/dataset-store.ts";
import type { StudioStore } from "../store/studio-store.ts";

const FIELDS = new Set(["file", "input_keys", "output_keys", "name", "description", "data_type"]);

/**
 * Registers `POST /datasets/upload` (the SDK's `uploadCsv`): a multipart form with a CSV `file`
 * (header row first), repeated `input_keys` and `output_keys` naming its columns, and optional
 * `name` (default: the file's name), `description` and `data_type`. Each row becomes an example;
 * a key that is not a column, or a form field the studio does not know, is a 422 and nothing is made.
 */
export function registerDatasetUploadRoutes(app: Hono, store: StudioStore): void {
  app.post("/datasets/upload", async (c) => {
    const parts = await parseMultipart(
      new Uint8Array(await c.req.arrayBuffer()),
      c.req.header("content-type"),
    );
    const unknown = parts.map((p) => p.name).filter((n) => !FIELDS.has(n));
    if (unknown.length > 0) {
      throw new StudioHttpError(
        422,
        `POST /datasets/upload does not take ${[...new Set(unknown)].join(", ")}.`,
      );
    }
    const text = (name: string) => parts.find((p) => p.name === name)?.data.toString("utf8");
    const all = (name: string) => parts.filter((p) => p.name === name).map((p) => p.data.toString("utf8"));
    const file = parts.find((p) => p.name === "file");
    if (file === undefined) throw new StudioHttpError(422, 'POST /datasets/upload needs a CSV "file" part.');
    const inputKeys = all("input_keys");
    const outputKeys = all("output_keys");
    if (inputKeys.length === 0) throw new StudioHttpError(422, 'Name the input columns with "input_keys".');
    let rows: Record<string, string>[];
    try {
      rows = parse(file.data, { columns: true, skip_empty_lines: true, bom: true }) as Record<
        string,
        string
      >[];
    } catch (error) {
      throw new StudioHttpError(422, `The CSV file does not parse: ${(error as Error).message}`);
    }
    const columns = new Set(Object.keys(rows[0] ?? {}));
    const missing = [...inputKeys, ...outputKeys].filter((k) => rows.length > 0 && !columns.has(k));
    if (missing.length > 0) {
      throw new StudioHttpError(
        422,
        `The CSV has no column ${missing.map((k) => `"${k}"`).join(", ")} (columns: ${[...columns].join(", ")}).`,
      );
    }
    const pick = (row: Record<string, string>, keys: readonly string[]) =>
      Object.fromEntries(keys.map((k) => [k, row[k] ?? null]));
    const created = store.transaction(() => {
      const dataset = store.datasets.create(
        toDatasetCreate({
          name:
            text("name") ??
            (file.filename ?? `csv-upload-${new Date().toISOString()}`).replace(/\.csv$/i, ""),
          description: text("description") ?? null,
          data_type: text("data_type") ?? "kv",
        }),
      );
      store.examples.upload(
        dataset.id,
        rows.map((row) => ({
          id: randomUUID(),
          inputs: pick(row, inputKeys),
          outputs: outputKeys.length === 0 ? null : pick(row, outputKeys),
          attachments: [],
        })),
      );
      return store.datasets.require(dataset.id);
    });
    return c.json(created);
  });
}
