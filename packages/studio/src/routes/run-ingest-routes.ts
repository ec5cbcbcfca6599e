import type { Hono } from "hono";
import { uuidPathParam } from "../http/query-params.ts";
import { readJsonBody } from "../http/read-json-body.ts";
import { StudioHttpError } from "../http/studio-http-error.ts";
import type { IngestRefusal, IngestRefusals } from "../ingest-refusals.ts";
import { isAlwaysKeptPart, readMultipartIngest } from "../multipart/read-multipart-ingest.ts";
import { streamMultipart } from "../multipart/stream-multipart.ts";
import { type RunOperation, refusedRunId, toRunFields } from "../store/run-fields.ts";
import type { StudioStore } from "../store/studio-store.ts";

/** The trace upload path, whose body is streamed (and not held to the app's body limit). */
export const MULTIPART_INGEST_PATH = "/runs/multipart";

/** Whether `method` and `path` are one of the run ingestion routes below that the app's body limit holds. */
export function isRunIngestPath(method: string, path: string): boolean {
  // Not the trace upload: its body is streamed past the app's body limit, and refused in its route.
  if (method === "POST") return path === "/runs/batch" || path === "/runs";
  return method === "PATCH" && /^\/runs\/[^/]+$/.test(path);
}

/** The most of one `/runs/multipart` body the studio reads, keeping at most the body limit of it. */
export const MAX_STREAMED_BODY_BYTES = 1024 * 1024 * 1024;

/**
 * Registers run ingestion: `POST /runs/multipart` (what the SDK uses), `POST /runs/batch` (its
 * fallback), and the single-run `POST /runs` and `PATCH /runs/{id}`. Each request is stored in one
 * transaction, all or nothing, except runs nested too deep or with a malformed `dotted_order`: the
 * batch routes leave those out, store the rest, record them in `refusals` and list them as
 * `{"refused": [...]}` in the 202. The single-run routes answer them with a 422.
 *
 * `/runs/multipart` reads its body as it arrives (the app's body limit skips it, see
 * {@link MULTIPART_INGEST_PATH}): a field or attachment part larger than `bodyLimitBytes` on its own
 * is dropped, not the request (run and feedback parts are always kept),
 * and the runs they belonged to are stored with a marker that says what was dropped and how to keep
 * it (read-multipart-ingest.ts), so the SDK's one-run-too-large upload does not vanish into a 413
 * that it only logs while the run's later update arrives without its inputs. A body past
 * {@link MAX_STREAMED_BODY_BYTES} (or the body limit, if larger) is still a 413.
 */
export function registerRunIngestRoutes(
  app: Hono,
  store: StudioStore,
  refusals: IngestRefusals,
  bodyLimitBytes: number,
): void {
  app.post(MULTIPART_INGEST_PATH, async (c) => {
    let parts: Awaited<ReturnType<typeof streamMultipart>>;
    try {
      parts = await streamMultipart(c.req.raw.body, c.req.header("content-type"), {
        keepBytes: bodyLimitBytes,
        maxBytes: Math.max(MAX_STREAMED_BODY_BYTES, bodyLimitBytes),
        alwaysKeep: isAlwaysKeptPart,
      });
    } catch (error) {
      // Runs refused whole: the SDK prints the 413 once, and the studio's log and /info say so too.
      if (error instanceof StudioHttpError && error.code === "body-too-large") {
        refusals.refusedBody(`POST ${MULTIPART_INGEST_PATH}`, error.message);
      }
      throw error;
    }
    const ingest = readMultipartIngest(parts, bodyLimitBytes);
    const refused: string[] = [];
    store.transaction(() => {
      store.runs.ingest(ingest.operations);
      store.runs.attach(ingest.attachments);
      for (const feedback of ingest.feedback) {
        try {
          store.feedback.create(feedback);
        } catch (error) {
          // Feedback that its key's config or its chain's output schema refuses must not take the
          // batch's runs down with it.
          if (!(error instanceof StudioHttpError) || error.status !== 422) throw error;
          refused.push(`feedback ${feedback.id ?? "?"} on run ${feedback.run_id ?? "?"}: ${error.message}`);
        }
      }
    });
    if (refused.length > 0) {
      console.warn(`catena studio: POST /runs/multipart stored the runs but refused ${refused.join("; ")}`);
    }
    for (const d of ingest.dropped) refusals.dropped("POST /runs/multipart", d.id, d.detail);
    const refusedRuns = ingest.refused.map((r) => refusals.record("POST /runs/multipart", r.id, r.detail));
    return c.json(refusedRuns.length === 0 ? {} : { refused: refusedRuns }, 202);
  });

  app.post("/runs/batch", async (c) => {
    const body = await readJsonBody(c, { checkDepth: false });
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw new StudioHttpError(
        422,
        'The body of POST /runs/batch must be {"post": [runs...], "patch": [runs...]}.',
      );
    }
    const operations: RunOperation[] = [];
    const refusedRuns: { id: string; detail: string }[] = [];
    for (const kind of ["post", "patch"] as const) {
      const list = (body as Record<string, unknown>)[kind];
      if (list === undefined || list === null) continue;
      if (!Array.isArray(list)) throw new StudioHttpError(422, `"${kind}" must be a list of runs.`);
      list.forEach((item, i) => {
        try {
          operations.push({ kind, run: toRunFields(kind, item, `${kind}[${i}]`) });
        } catch (error) {
          const id = refusedRunId(error);
          if (id === undefined) throw error;
          refusedRuns.push({ id, detail: (error as Error).message });
        }
      });
    }
    // A run refused in "post" is refused in "patch" too: half a run would look like a real one.
    const left = new Set(refusedRuns.map((r) => r.id));
    store.transaction(() => store.runs.ingest(operations.filter((op) => !left.has(op.run.id))));
    const refused: IngestRefusal[] = refusedRuns.map((r) =>
      refusals.record("POST /runs/batch", r.id, r.detail),
    );
    return c.json(refused.length === 0 ? {} : { refused }, 202);
  });

  app.post("/runs", async (c) => {
    const body = await readJsonBody(c, { checkDepth: false });
    const withId =
      typeof body === "object" && body !== null && !Array.isArray(body) && !("id" in body)
        ? { ...body, id: crypto.randomUUID() }
        : body;
    const run = toRunFields("post", withId, "POST /runs body");
    store.transaction(() => store.runs.ingest([{ kind: "post", run }]));
    return c.json({ id: run.id }, 202);
  });

  app.patch("/runs/:id", async (c) => {
    const id = uuidPathParam(c, "id", "Run");
    const body = await readJsonBody(c, { checkDepth: false });
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw new StudioHttpError(
        422,
        'The body of PATCH /runs/{id} must be a JSON object such as {"end_time": "...", "outputs": {}}.',
      );
    }
    const run = toRunFields("patch", { ...body, id }, "PATCH /runs body");
    store.transaction(() => store.runs.ingest([{ kind: "patch", run }]));
    return c.json({}, 202);
  });
}
