import type { Hono } from "hono";
import { pageParams } from "../http/query-params.ts";
import { readJsonBody } from "../http/read-json-body.ts";
import { StudioHttpError } from "../http/studio-http-error.ts";
import { editFeedbackCategories } from "../store/feedback-category-edit.ts";
import { type FeedbackConfigListQuery, toFeedbackConfig } from "../store/feedback-config-store.ts";
import type { StudioStore } from "../store/studio-store.ts";

/**
 * Registers feedback configs, as the SDK's `createFeedbackConfig`, `listFeedbackConfigs`,
 * `updateFeedbackConfig` and `deleteFeedbackConfig` call them: `POST /feedback-configs`
 * `{feedback_key, feedback_config, is_lower_score_better?}`, `GET /feedback-configs?key=&name_contains=`,
 * `PATCH /feedback-configs` `{feedback_key, id?, feedback_config?, is_lower_score_better?,
 * add_categories?, remove_categories?}` (also `addFeedbackCategories`, `removeFeedbackCategories`) and
 * `DELETE /feedback-configs?feedback_key=|id=`. Every feedback is checked against its key's config.
 */
export function registerFeedbackConfigRoutes(app: Hono, store: StudioStore): void {
  app.post("/feedback-configs", async (c) => {
    const body = asObject(await readJsonBody(c), "POST /feedback-configs");
    const key = feedbackKey(body, "POST /feedback-configs");
    const config = toFeedbackConfig(body.feedback_config, "POST /feedback-configs: feedback_config");
    return c.json(store.feedbackConfigs.create(key, config, lowerIsBetter(body)));
  });

  app.get("/feedback-configs", (c) => {
    const query: FeedbackConfigListQuery = { ...pageParams(c) };
    const keys = c.req.queries("key");
    if (keys !== undefined) query.keys = keys;
    const contains = c.req.query("name_contains");
    if (contains !== undefined) query.nameContains = contains;
    return c.json(store.feedbackConfigs.list(query));
  });

  app.patch("/feedback-configs", async (c) => {
    const body = asObject(await readJsonBody(c), "PATCH /feedback-configs");
    const key = feedbackKey(body, "PATCH /feedback-configs");
    const existing = store.feedbackConfigs.require(key);
    if (body.id !== undefined && body.id !== existing.id) {
      throw new StudioHttpError(
        404,
        `No feedback config ${JSON.stringify(body.id)} for "${key}": the key's config is ${existing.id} (the studio keeps one per key).`,
        { code: "feedback-config-id-mismatch", feedback_key: key, id: body.id, config_id: existing.id },
      );
    }
    let config =
      body.feedback_config === undefined || body.feedback_config === null
        ? undefined
        : toFeedbackConfig(body.feedback_config, "PATCH /feedback-configs: feedback_config");
    if (body.add_categories !== undefined || body.remove_categories !== undefined) {
      config = editFeedbackCategories(
        config ?? existing.feedback_config,
        body.add_categories,
        body.remove_categories,
        key,
      );
    }
    return c.json(store.feedbackConfigs.update(key, config, lowerIsBetter(body)));
  });

  app.delete("/feedback-configs", (c) => {
    // deleteFeedbackConfig(key) sends the key, deleteFeedbackConfig(undefined, { configId }) the id.
    const id = c.req.query("id");
    let key = c.req.query("feedback_key");
    if ((key === undefined || key === "") && id !== undefined && id !== "") {
      key = store.feedbackConfigs.byId(id)?.feedback_key;
      if (key === undefined) {
        throw new StudioHttpError(
          404,
          `No feedback config ${JSON.stringify(id)}: list them with GET /feedback-configs (listFeedbackConfigs).`,
          { code: "feedback-config-not-found", id },
        );
      }
    }
    if (key === undefined || key === "") {
      throw new StudioHttpError(
        422,
        "DELETE /feedback-configs needs ?feedback_key=<key> or ?id=<config id>.",
      );
    }
    store.feedbackConfigs.delete(key);
    return c.json({});
  });
}

function asObject(body: unknown, where: string): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new StudioHttpError(
      422,
      `The body of ${where} must be a JSON object such as {"feedback_key": "rating", "feedback_config": {"type": "continuous", "min": 1, "max": 5}}.`,
    );
  }
  return body as Record<string, unknown>;
}

function feedbackKey(body: Record<string, unknown>, where: string): string {
  if (typeof body.feedback_key !== "string" || body.feedback_key === "") {
    throw new StudioHttpError(422, `${where}: "feedback_key" is required (e.g. "rating").`);
  }
  return body.feedback_key;
}

function lowerIsBetter(body: Record<string, unknown>): boolean | undefined {
  const v = body.is_lower_score_better;
  return typeof v === "boolean" ? v : undefined;
}
