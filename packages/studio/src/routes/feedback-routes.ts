import type { Hono } from "hono";
import { pageParams, uuidParams, uuidPathParam } from "../http/query-params.ts";
import { readJsonBody } from "../http/read-json-body.ts";
import { type FeedbackListQuery, toFeedbackCreate, toFeedbackUpdate } from "../store/feedback-store.ts";
import type { StudioStore } from "../store/studio-store.ts";

/**
 * Registers feedback: `POST /feedback`, `GET /feedback/{id}`, `PATCH /feedback/{id}`,
 * `DELETE /feedback/{id}` and `GET /feedback?run=&key=&source=&session=&offset=&limit=`. Feedback
 * on a run the studio has not received yet is kept: the SDK may send it before the run's batch.
 */
export function registerFeedbackRoutes(app: Hono, store: StudioStore): void {
  app.post("/feedback", async (c) => {
    const feedback = store.feedback.create(toFeedbackCreate(await readJsonBody(c), "POST /feedback body"));
    return c.json(feedback);
  });

  app.get("/feedback", (c) => {
    const query: FeedbackListQuery = { ...pageParams(c) };
    const runIds = uuidParams(c, "run");
    if (runIds !== undefined) query.runIds = runIds;
    const keys = c.req.queries("key");
    if (keys !== undefined) query.keys = keys;
    const sources = c.req.queries("source");
    if (sources !== undefined) query.sources = sources;
    const sessions = uuidParams(c, "session");
    if (sessions !== undefined) query.sessionIds = sessions;
    return c.json(store.feedback.list(query));
  });

  app.get("/feedback/:id", (c) => c.json(store.feedback.require(uuidPathParam(c, "id", "Feedback"))));

  app.patch("/feedback/:id", async (c) => {
    const id = uuidPathParam(c, "id", "Feedback");
    return c.json(store.feedback.update(id, toFeedbackUpdate(await readJsonBody(c))));
  });

  app.delete("/feedback/:id", (c) => {
    store.feedback.delete(uuidPathParam(c, "id", "Feedback"));
    return c.json({});
  });
}
