import type { Hono } from "hono";
import { uuidParams, uuidPathParam } from "../http/query-params.ts";
import { StudioHttpError } from "../http/studio-http-error.ts";
import type { StudioStore } from "../store/studio-store.ts";

/** Paths a dataset's share token opens without the API key (GET only). */
export const PUBLIC_DATASET_PATH = /^(?:\/api\/v1)?\/public\/[^/]+\/(?:datasets|examples)\/?$/i;

/**
 * Registers dataset sharing: `PUT/GET/DELETE /datasets/{id}/share` (`shareDataset`,
 * `readDatasetSharedSchema`, `unshareDataset`), each answering `{dataset_id, share_token}` (GET answers
 * `null` while the dataset is not shared, as LangSmith does), and
 * what the token opens without the API key: `GET /public/{token}/datasets` (`readSharedDataset`)
 * and `GET /public/{token}/examples[?id=]` (`listSharedExamples`, which `clonePublicDataset`
 * reads). An unknown or revoked token is a 404, as is a run's token here.
 */
export function registerDatasetShareRoutes(app: Hono, store: StudioStore): void {
  const schema = (datasetId: string, token: string) => ({ dataset_id: datasetId, share_token: token });

  app.put("/datasets/:id/share", (c) => {
    const id = store.datasets.require(uuidPathParam(c, "id", "Dataset")).id;
    return c.json(
      schema(
        id,
        store.transaction(() => store.shares.shareDataset(id)),
      ),
    );
  });

  app.get("/datasets/:id/share", (c) => {
    const id = store.datasets.require(uuidPathParam(c, "id", "Dataset")).id;
    const token = store.shares.datasetToken(id);
    // LangSmith answers an unshared dataset's share state with `null`, as it does for a run's
    // (GET /runs/{id}/share); a dataset that does not exist is the 404.
    return c.json(token === undefined ? null : schema(id, token));
  });

  app.delete("/datasets/:id/share", (c) => {
    const id = store.datasets.require(uuidPathParam(c, "id", "Dataset")).id;
    store.transaction(() => store.shares.unshareDataset(id));
    return c.json({});
  });

  const sharedDataset = (token: string): string => {
    const id = store.shares.sharedDataset(token);
    if (id === undefined) throw new StudioHttpError(404, "No dataset is shared under this token.");
    return id;
  };

  app.get("/public/:token/datasets", (c) =>
    c.json(store.datasets.require(sharedDataset(c.req.param("token")))),
  );

  app.get("/public/:token/examples", (c) => {
    const datasetId = sharedDataset(c.req.param("token"));
    const ids = uuidParams(c, "id");
    return c.json(store.examples.all({ datasetId, ...(ids === undefined ? {} : { ids }) }));
  });
}
