import type { Hono } from "hono";
import { z } from "zod";
import { readJsonBody } from "../http/read-json-body.ts";
import { StudioHttpError } from "../http/studio-http-error.ts";
import { isReviewStatus, type PausedReview } from "../store/review-store.ts";
import type { StudioStore } from "../store/studio-store.ts";

/**
 * Resumes a paused run with a decision, in the studio's process (`catena studio` passes one: it
 * loads the chains). Resolves with the resumed run's status once it ended or paused again.
 */
export type ReviewResumer = (
  review: PausedReview,
  snapshot: unknown,
  decision: unknown,
  reviewer: string | undefined,
) => Promise<{ status: string }>;

/** One problem with a decision, as the 422 lists them. */
export interface DecisionIssue {
  path: string;
  message: string;
}

/**
 * Registers the paused-review endpoints: `GET /catena/reviews?status=&chain=&limit=` →
 * `{reviews: [...]}`, `GET /catena/reviews/{run_id}` → `{review, snapshot}` (what `catena resume`
 * resumes from), and `POST /catena/reviews/{run_id}/decision` with `{decision, reviewer}`: checked
 * against the review's decision schema (422 listing every problem), stored, then applied at once
 * when the studio has a `resume` (`{status: "resumed"}`), else left for `catena resume --decided`
 * (`{status: "stored"}`).
 */
export function registerReviewRoutes(app: Hono, store: StudioStore, resume?: ReviewResumer): void {
  app.get("/catena/reviews", (c) => {
    const status = c.req.query("status");
    if (status !== undefined && !isReviewStatus(status)) {
      throw new StudioHttpError(400, `status must be waiting, decided or resumed (got "${status}").`);
    }
    const chain = c.req.query("chain");
    const limit = c.req.query("limit");
    const reviews = store.reviews.list({
      ...(status === undefined ? {} : { status }),
      ...(chain === undefined || chain === "" ? {} : { chain }),
      ...(limit === undefined ? {} : { limit: Number(limit) || 100 }),
    });
    return c.json({ reviews });
  });

  app.get("/catena/reviews/:run_id", (c) => c.json(store.reviews.require(c.req.param("run_id"))));

  app.post("/catena/reviews/:run_id/decision", async (c) => {
    const runId = c.req.param("run_id");
    const { review, snapshot } = store.reviews.require(runId);
    if (review.status === "resumed") {
      throw new StudioHttpError(
        409,
        `Run ${runId} was already resumed${review.reviewer === undefined ? "" : ` (decided by ${review.reviewer})`}: a review is decided once.`,
      );
    }
    const body = await readJsonBody(c);
    if (typeof body !== "object" || body === null || Array.isArray(body) || !("decision" in body)) {
      throw new StudioHttpError(422, 'Send {"decision": <the decision>, "reviewer": "<your name>"}.');
    }
    const { decision, reviewer } = body as { decision: unknown; reviewer?: unknown };
    if (reviewer !== undefined && typeof reviewer !== "string") {
      throw new StudioHttpError(422, "reviewer must be a string (the name of who decided).");
    }
    const issues = decisionIssues(review.decision_schema, decision);
    if (issues.length > 0) {
      return c.json(
        {
          detail: `The decision does not match the decision schema of review "${review.step}": ${issues.map((i) => `${i.path || "(decision)"}: ${i.message}`).join("; ")}.`,
          errors: issues,
        },
        422,
      );
    }
    // Stored first: a resume that fails, or a studio that stops, does not lose the decision.
    store.transaction(() => store.reviews.decide(runId, decision, reviewer ?? null));
    if (resume === undefined) return c.json({ status: "stored", run_id: runId });
    let resumed: { status: string };
    try {
      resumed = await resume(review, snapshot, decision, reviewer);
    } catch (error) {
      // The decision is kept: `catena resume --decided` applies it where the chain can be loaded.
      const problem = error instanceof Error ? error.message : String(error);
      return c.json({ status: "stored", run_id: runId, problem });
    }
    store.transaction(() => store.reviews.markResumed(runId));
    return c.json({ status: "resumed", run_id: runId, run_status: resumed.status });
  });
}

/** What is wrong with a decision against the review's JSON Schema; none when there is no schema. */
export function decisionIssues(schema: Record<string, unknown> | null, decision: unknown): DecisionIssue[] {
  if (schema === null) return [];
  let parsed: ReturnType<z.ZodType["safeParse"]>;
  try {
    parsed = z.fromJSONSchema(schema).safeParse(decision);
  } catch {
    // A schema zod cannot read back is not the reviewer's fault: the run checks the decision again.
    return [];
  }
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
}
