import type { Hono } from "hono";
import { readJsonBody } from "../http/read-json-body.ts";
import { StrictBody } from "../http/strict-body.ts";
import { StudioHttpError } from "../http/studio-http-error.ts";
import type { StudioStore } from "../store/studio-store.ts";
import { threadsByOffset } from "../store/thread-query.ts";

/**
 * Registers `POST /runs/group` (the SDK's `listGroupRuns({ groupBy: "conversation" })`): a
 * project's threads (root runs sharing a `thread_id`, `session_id` or `conversation_id` in their
 * metadata), newest first, as `{ groups, total }` paged by `offset`/`limit`. Each group carries the
 * `filter` that lists its runs.
 */
export function registerRunGroupRoutes(app: Hono, store: StudioStore): void {
  app.post("/runs/group", async (c) => {
    const body = new StrictBody(await readJsonBody(c), "POST /runs/group", [
      "session_id",
      "group_by",
      "filter",
      "start_time",
      "end_time",
      "offset",
      "limit",
    ]);
    const sessionId = body.uuid("session_id");
    if (sessionId === undefined) {
      throw new StudioHttpError(422, '"session_id" of POST /runs/group is required: the project to group.');
    }
    body.choice("group_by", ["conversation"] as const);
    const offset = body.json("offset") ?? 0;
    if (typeof offset !== "number" || !Number.isInteger(offset) || offset < 0) {
      throw new StudioHttpError(
        422,
        `"offset" of POST /runs/group must be an integer ≥ 0 (got ${JSON.stringify(offset)}).`,
      );
    }
    const filter = body.text("filter");
    const { threads, total } = threadsByOffset(
      store.db,
      {
        sessionId: store.sessions.require(sessionId).id,
        minStartTime: body.time("start_time"),
        maxStartTime: body.time("end_time"),
        filter: filter === "" ? undefined : filter,
      },
      { offset, limit: body.positive("limit", 100) ?? 100 },
    );
    const groups = threads.map((t) => ({ ...t, filter: `eq(thread_id, ${JSON.stringify(t.thread_id)})` }));
    return c.json({ groups, total });
  });
}
