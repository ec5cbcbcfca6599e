/*
 * Paused reviews in the studio: a run traced to a real studio pauses at a review, the studio lists
 * it (from what the tracer sent), checks a decision against the review's schema, and the resumed
 * run continues the same trace. Runs are read back with the real langsmith SDK.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { code, defineChain, type RunSnapshot, resume, review, run, sequence } from "@catena/core";
import { langsmithTracer } from "@catena/core/tracing";
import { type PausedReview, type ReviewResumer, startStudio } from "@catena/studio";
import { Client } from "langsmith/client";
import type { Run } from "langsmith/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { traceRuns } from "./support/studio-runs.ts";

const refund = defineChain({
  name: "refund-review",
  version: "1.0.0",
  input: z.object({ amount: z.number() }),
  output: z.object({ outcome: z.string() }),
  flow: sequence(
    code("prepare", ({ amount }: { amount: number }) => ({ cents: Math.round(amount * 100) })),
    review("approve", { decision: z.object({ approved: z.boolean() }), prompt: "Refund?" }),
    code("finish", (d: { review: { approved: boolean } }) => ({
      outcome: d.review.approved ? "refunded" : "rejected",
    })),
  ),
});

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "catena-reviews-"));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

type Studio = Awaited<ReturnType<typeof startStudio>>;

async function pausedRun(studio: Studio): Promise<string> {
  const tracer = langsmithTracer({ apiUrl: studio.url, apiKey: "test", project: "reviews" });
  const result = await run(refund, { amount: 12.5 }, { tracer });
  expect(result.status).toBe("waiting");
  await tracer.flush();
  tracer.close();
  return result.runId;
}

async function reviews(studio: Studio, query = ""): Promise<PausedReview[]> {
  const response = await fetch(`${studio.url}/catena/reviews${query}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { reviews: PausedReview[] }).reviews;
}

const decide = (studio: Studio, runId: string, body: unknown) =>
  fetch(`${studio.url}/catena/reviews/${runId}/decision`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

async function traceOf(studio: Studio, runId: string): Promise<Run[]> {
  return traceRuns(new Client({ apiUrl: studio.url, apiKey: "test" }), "reviews", runId);
}

const meta = (r: Run | undefined) =>
  (r?.extra as { metadata?: Record<string, unknown> } | undefined)?.metadata ?? {};

describe("paused reviews in the studio", () => {
  it("lists a paused run, refuses a decision that breaks its schema, stores a good one, and the resume continues the same trace", async () => {
    const studio = await startStudio({ port: 0, dbPath: join(dir, "stored.db") });
    try {
      const runId = await pausedRun(studio);
      const waiting = await reviews(studio, "?status=waiting");
      expect(waiting).toEqual([
        expect.objectContaining({
          run_id: runId,
          trace_id: runId,
          project: "reviews",
          chain: "refund-review",
          version: "1.0.0",
          step: "approve",
          status: "waiting",
          decision_schema: expect.objectContaining({ type: "object" }),
        }),
      ]);

      const wrong = await decide(studio, runId, { decision: { approved: "yes" }, reviewer: "ada" });
      expect(wrong.status).toBe(422);
      const refused = (await wrong.json()) as { errors: Array<{ path: string }> };
      expect(refused.errors.map((e) => e.path)).toEqual(["approved"]);

      const stored = await decide(studio, runId, { decision: { approved: true }, reviewer: "ada" });
      expect(await stored.json()).toMatchObject({ status: "stored" });
      expect(await reviews(studio, "?status=decided")).toEqual([
        expect.objectContaining({ run_id: runId, decision: { approved: true }, reviewer: "ada" }),
      ]);

      // What `catena resume --decided` does: the snapshot comes from the studio.
      const { snapshot } = (await (await fetch(`${studio.url}/catena/reviews/${runId}`)).json()) as {
        snapshot: RunSnapshot;
      };
      const tracer = langsmithTracer({ apiUrl: studio.url, apiKey: "test" });
      const resumed = await resume(refund, snapshot, { approved: true }, { tracer, reviewer: "ada" });
      expect(resumed).toMatchObject({ status: "done", output: { outcome: "refunded" }, runId });
      await tracer.flush();
      tracer.close();

      expect(await reviews(studio, "?status=resumed")).toEqual([
        expect.objectContaining({ run_id: runId, status: "resumed" }),
      ]);
      const runs = await traceOf(studio, runId);
      const root = runs.find((r) => r.id === runId);
      expect(meta(root).status).toBe("done");
      expect(root?.outputs).toEqual({ outcome: "refunded" });
      const approve = runs.find((r) => r.name === "approve");
      expect(approve?.end_time).toBeTruthy();
      expect(approve?.outputs).toEqual({ decision: { approved: true } });
      expect(meta(approve)).toMatchObject({ status: "decided", reviewer: "ada" });
      const finish = runs.find((r) => r.name === "finish");
      expect(finish?.parent_run_id).toBe(runId);
      expect(finish?.trace_id).toBe(runId);
      expect(runs.filter((r) => r.parent_run_id === undefined)).toHaveLength(1);
    } finally {
      await studio.close();
    }
  });

  it("resumes the run at once when the studio can", async () => {
    let studio: Studio | undefined;
    const resumeReview: ReviewResumer = async (_review, snapshot, decision, reviewer) => {
      const tracer = langsmithTracer({ apiUrl: studio?.url ?? "", apiKey: "test" });
      const result = await resume(refund, snapshot as RunSnapshot, decision as { approved: boolean }, {
        tracer,
        ...(reviewer === undefined ? {} : { reviewer }),
      });
      await tracer.flush();
      tracer.close();
      return { status: result.status };
    };
    studio = await startStudio({ port: 0, dbPath: join(dir, "resumed.db"), resumeReview });
    try {
      const runId = await pausedRun(studio);
      const answer = await decide(studio, runId, { decision: { approved: false }, reviewer: "bo" });
      expect(await answer.json()).toMatchObject({ status: "resumed", run_status: "done" });
      expect(await reviews(studio)).toEqual([
        expect.objectContaining({ run_id: runId, status: "resumed", reviewer: "bo" }),
      ]);
      const again = await decide(studio, runId, { decision: { approved: true } });
      expect(again.status).toBe(409);
      const runs = await traceOf(studio, runId);
      expect(runs.find((r) => r.id === runId)?.outputs).toEqual({ outcome: "rejected" });
    } finally {
      await studio.close();
    }
  });
});
