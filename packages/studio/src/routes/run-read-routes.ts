import type { Hono } from "hono";
import { attachmentResponse } from "../http/attachment-response.ts";
import { checkPresigned, isPresigned } from "../http/presigned-path.ts";
import { uuidPathParam } from "../http/query-params.ts";
import { readJsonBody } from "../http/read-json-body.ts";
import { StudioHttpError } from "../http/studio-http-error.ts";
import { parseRunQuery, queryRuns } from "../store/run-query.ts";
import { runStats } from "../store/run-stats.ts";
import { toRunViews } from "../store/run-view.ts";
import type { StudioStore } from "../store/studio-store.ts";

/**
 * Registers reading runs: `GET /runs/{id}` (the SDK's `readRun`; with the ids of the run's
 * descendants and children, and its attachments as `s3_urls`), `POST /runs/query` (`listRuns`,
 * `readRun({ loadChildRuns })`) with cursor paging, `POST /runs/stats` (`getRunStats`: the same
 * filters, statistics over every matching run) and `GET /runs/{id}/attachments/{name}`.
 */
export function registerRunReadRoutes(
  app: Hono,
  store: StudioStore,
  /** A run's attachments: name → presigned download URL (see `v2RunContext`). */
  attachmentsOf: (runId: string) => Record<string, string>,
): void {
  app.get("/runs/:id", (c) => {
    const id = uuidPathParam(c, "id", "Run");
    const run = store.runs.requireStored(id);
    const [view] = toRunViews(store.db, [run], { tenantId: store.tenantId });
    const children = store.runs.descendantIds(run);
    // LangSmith's v1 run keeps attachments under `s3_urls`, keyed `attachment.<name>` (the Python
    // SDK's read_run turns them into `run.attachments`), as the v2 read lists them.
    const s3Urls = Object.fromEntries(
      Object.entries(attachmentsOf(id)).map(([name, url]) => [
        `attachment.${name}`,
        { presigned_url: url, s3_url: url },
      ]),
    );
    return c.json({
      ...view,
      child_run_ids: children.all,
      direct_child_run_ids: children.direct,
      s3_urls: s3Urls,
    });
  });

  app.post("/runs/query", async (c) => {
    const query = parseRunQuery(await readJsonBody(c));
    const page = queryRuns(store.db, query);
    const runs = toRunViews(store.db, page.runs, { tenantId: store.tenantId, select: query.select });
    return c.json({ runs, cursors: { next: page.next } });
  });

  app.post("/runs/stats", async (c) => {
    // SDKs before 0.3 send this body without a Content-Type (so as text/plain): the route only
    // reads, and the origin guard already refuses what a web page on another site sends.
    const query = parseRunQuery(await readJsonBody(c, { anyContentType: true }));
    // Every matching run, not a page: statistics are over the whole selection.
    const { runs } = queryRuns(store.db, { ...query, limit: Number.MAX_SAFE_INTEGER });
    return c.json(
      runStats(store.db, {
        sql: "r.id IN (SELECT value FROM json_each(?))",
        params: [JSON.stringify(runs.map((r) => r.id))],
      }),
    );
  });

  app.get("/runs/:id/attachments/:name", (c) => {
    const id = uuidPathParam(c, "id", "Run");
    const name = c.req.param("name") ?? "";
    const url = new URL(c.req.url);
    if (isPresigned(url)) checkPresigned(store.urlSigningKey, runAttachmentPath(id, name), url);
    const attachment = store.runs.attachment(id, name);
    if (attachment === undefined) {
      throw new StudioHttpError(404, `Run ${id} has no attachment named ${JSON.stringify(name)}.`);
    }
    return attachmentResponse(c, name, attachment);
  });
}

/** The path of a run attachment's download, which its presigned URL signs. */
export function runAttachmentPath(runId: string, name: string): string {
  return `/runs/${runId}/attachments/${encodeURIComponent(name)}`;
}
