import type { Context, Hono } from "hono";
import { uuidParams, uuidPathParam } from "../http/query-params.ts";
import { readJsonBody } from "../http/read-json-body.ts";
import { StudioHttpError } from "../http/studio-http-error.ts";
import { toChainDescription } from "../store/chain-description-store.ts";
import { compareExperiments, listExperiments } from "../store/experiment-query.ts";
import { queryReviewQueue } from "../store/review-queue-query.ts";
import { queryRunPage, type RunPageQuery } from "../store/run-page-query.ts";
import type { StudioStore } from "../store/studio-store.ts";
import { toStudioTimestamp } from "../store/studio-timestamp.ts";
import { readTraceTree } from "../store/trace-query.ts";
import { queryTrends } from "../store/trends-query.ts";

/**
 * Registers the read endpoints of the web page, under `/catena/` (LangSmith has no such paths):
 * - `GET /catena/runs?project=&chain=&version=&status=&tier=&model=&feedback_key=&score_min=&score_max=&from=&to=&q=&cursor=&limit=`:
 *   the runs table, root runs newest first, keyset-paged (`next`); `tier` ignores ASCII case;
 * - `GET /catena/traces/{trace_id}`: every run of a trace in dotted order, and their feedback;
 * - `GET /catena/stats/trends?project=&chain=&days=&until=`: per day, chain, version and model;
 * - `GET /catena/queue?project=`: the annotation queue by rule;
 * - `GET /catena/datasets/{id}/experiments` and `GET /catena/compare?session=&session=`;
 * - `GET`/`PUT /catena/chains/{fingerprint}`: a chain's description (graph, schemas), which the
 *   CLI puts when it traces to the studio.
 */
export function registerCatenaReadRoutes(app: Hono, store: StudioStore): void {
  app.get("/catena/runs", (c) => {
    const query: RunPageQuery = { project: requiredUuid(c, "project"), limit: limitParam(c, 50, 200) };
    for (const [param, field] of [
      ["chain", "chain"],
      ["version", "version"],
      ["status", "status"],
      ["tier", "tier"],
      ["model", "model"],
      ["feedback_key", "feedbackKey"],
      ["q", "search"],
      ["cursor", "cursor"],
    ] as const) {
      const value = c.req.query(param);
      if (value !== undefined && value !== "") query[field] = value;
    }
    const min = numberParam(c, "score_min");
    if (min !== undefined) query.scoreMin = min;
    const max = numberParam(c, "score_max");
    if (max !== undefined) query.scoreMax = max;
    const from = c.req.query("from");
    if (from !== undefined && from !== "") query.from = toStudioTimestamp(from, "from")!;
    const to = c.req.query("to");
    if (to !== undefined && to !== "") query.to = toStudioTimestamp(to, "to")!;
    return c.json(queryRunPage(store.db, query));
  });

  app.get("/catena/traces/:id", (c) => {
    const id = uuidPathParam(c, "id", "Trace");
    const tree = readTraceTree(store.db, id, store.tenantId, (runIds) =>
      store.feedback.list({ runIds, offset: 0, limit: 10_000 }),
    );
    if (tree === undefined) {
      throw new StudioHttpError(404, `Trace ${id} not found: no run of it is stored (yet) in this studio.`);
    }
    return c.json(tree);
  });

  app.get("/catena/stats/trends", (c) => {
    const chain = c.req.query("chain");
    const until = c.req.query("until");
    return c.json({
      rows: queryTrends(store.db, {
        project: requiredUuid(c, "project"),
        days: limitParam(c, 30, 366, "days"),
        ...(chain === undefined || chain === "" ? {} : { chain }),
        ...(until === undefined || until === "" ? {} : { until: toStudioTimestamp(until, "until")! }),
      }),
    });
  });

  app.get("/catena/queue", (c) => c.json({ items: queryReviewQueue(store.db, requiredUuid(c, "project")) }));

  app.get("/catena/datasets/:id/experiments", (c) =>
    c.json({ experiments: listExperiments(store.db, uuidPathParam(c, "id", "Dataset")) }),
  );

  app.get("/catena/chains/:fingerprint", (c) => {
    const fingerprint = c.req.param("fingerprint");
    const description = store.chains.get(fingerprint);
    if (description === undefined) {
      throw new StudioHttpError(
        404,
        `No description of chain fingerprint ${fingerprint}: the CLI sends one when it traces a run to this studio.`,
      );
    }
    return c.json(description);
  });

  app.put("/catena/chains/:fingerprint", async (c) => {
    const fingerprint = c.req.param("fingerprint");
    store.chains.put(toChainDescription(await readJsonBody(c), fingerprint));
    return c.json({ fingerprint });
  });

  app.get("/catena/compare", (c) => {
    const sessions = uuidParams(c, "session");
    if (sessions === undefined || sessions.length === 0) {
      throw new StudioHttpError(
        422,
        "Name the experiments to compare: /catena/compare?session=<id>&session=<id>.",
      );
    }
    return c.json(compareExperiments(store.db, sessions));
  });
}

function requiredUuid(c: Context, name: string): string {
  const ids = uuidParams(c, name);
  if (ids?.[0] === undefined) {
    throw new StudioHttpError(
      422,
      `Query parameter "${name}" is required: the id of a project (GET /sessions lists them).`,
    );
  }
  return ids[0];
}

function numberParam(c: Context, name: string): number | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) {
    throw new StudioHttpError(
      422,
      `Query parameter "${name}" must be a number (got ${JSON.stringify(raw)}).`,
    );
  }
  return value;
}

function limitParam(c: Context, fallback: number, max: number, name = "limit"): number {
  const value = numberParam(c, name) ?? fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new StudioHttpError(422, `Query parameter "${name}" must be a positive integer (got ${value}).`);
  }
  return Math.min(value, max);
}
