import type { Hono } from "hono";
import { uuidPathParam } from "../http/query-params.ts";
import { readJsonBody } from "../http/read-json-body.ts";
import { StrictBody } from "../http/strict-body.ts";
import { StudioHttpError } from "../http/studio-http-error.ts";
import type { StudioStore } from "../store/studio-store.ts";

/**
 * Registers comparative experiments: `POST /datasets/comparative` (the SDK's
 * `createComparativeExperiment`, used by `evaluateComparative`), `GET /datasets/{id}/comparative`
 * and `DELETE /datasets/comparative/{id}`. Pairwise feedback is ordinary feedback with
 * `comparative_experiment_id`.
 */
export function registerComparativeRoutes(app: Hono, store: StudioStore): void {
  app.post("/datasets/comparative", async (c) => {
    const body = new StrictBody(await readJsonBody(c), "POST /datasets/comparative", [
      "id",
      "name",
      "description",
      "experiment_ids",
      "reference_dataset_id",
      "created_at",
      "extra",
    ]);
    const dataset = body.uuid("reference_dataset_id");
    if (dataset === undefined) {
      throw new StudioHttpError(
        422,
        '"reference_dataset_id" is required: the dataset the experiments ran on.',
      );
    }
    store.datasets.require(dataset);
    const extra = body.json("extra");
    if (extra !== undefined && (typeof extra !== "object" || Array.isArray(extra))) {
      throw new StudioHttpError(422, '"extra" must be a JSON object.');
    }
    const created = store.comparativeExperiments.create({
      id: body.uuid("id"),
      name: body.text("name"),
      description: body.text("description"),
      reference_dataset_id: dataset,
      experiment_ids: body.uuids("experiment_ids") ?? [],
      extra: extra as Record<string, unknown> | undefined,
      created_at: body.time("created_at"),
    });
    return c.json(created);
  });

  app.get("/datasets/:id/comparative", (c) => {
    const dataset = store.datasets.require(uuidPathParam(c, "id", "Dataset"));
    return c.json(store.comparativeExperiments.listForDataset(dataset.id));
  });

  app.delete("/datasets/comparative/:id", (c) => {
    store.comparativeExperiments.delete(uuidPathParam(c, "id", "Comparative experiment"));
    return c.json({});
  });
}
