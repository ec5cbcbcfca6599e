/*
 * Feedback end to end: runs traced by Catena's tracer to a studio started here, and feedback given,
 * checked, listed and counted through core's API (and a presigned link) over HTTP.
 */
import { run } from "@catena/core";
import {
  feedback,
  feedbackLink,
  feedbackStats,
  langsmithTracer,
  listFeedback,
  listTraces,
  readFeedbackConfig,
  setFeedbackConfig,
} from "@catena/core/tracing";
import { beforeAll, describe, expect, it } from "vitest";
import { shapes, useTracingStudio } from "./support/tracing-studio.ts";

const t = useTracingStudio();

describe("feedback", () => {
  let runId: string;

  beforeAll(async () => {
    const tracer = langsmithTracer({ apiUrl: t.studio.url, apiKey: "test", project: "feedback" });
    runId = (await run(shapes, { text: "refund please" }, { tracer })).runId;
    await tracer.flush();
    tracer.close();
  });

  it("is created and listed through core's API", async () => {
    const given = await feedback(
      runId,
      {
        key: "correctness",
        score: 0,
        comment: "wrong queue",
        correction: { queue: "billing" },
        source: { user: "ana" },
      },
      { client: t.reader },
    );
    expect(given).toMatchObject({ runId, key: "correctness", score: 0 });
    const listed = await listFeedback({ runIds: [runId], client: t.reader });
    expect(listed).toEqual([
      expect.objectContaining({
        id: given.id,
        key: "correctness",
        score: 0,
        comment: "wrong queue",
        correction: { queue: "billing" },
        source: { user: "ana" },
      }),
    ]);
  });

  it("refuses a run id the backend does not know, naming it", async () => {
    await expect(
      feedback("01900000-0000-7000-8000-000000000000", { key: "rating", score: 3 }, { client: t.reader }),
    ).rejects.toMatchObject({
      code: "RUN_NOT_FOUND",
      message: expect.stringContaining("01900000-0000-7000-8000-000000000000"),
    });
    await expect(feedback(runId, { key: "rating" }, { client: t.reader })).rejects.toMatchObject({
      code: "FEEDBACK_INVALID",
    });
  });

  it("is checked against its key's config before it is sent: the backend's, else rating's 1–5", async () => {
    await expect(feedback(runId, { key: "rating", score: 999 }, { client: t.reader })).rejects.toMatchObject({
      code: "FEEDBACK_INVALID",
      message: expect.stringMatching(/score 999 is outside 1–5.*give a score from 1 to 5/),
    });
    await setFeedbackConfig(
      "helpful",
      {
        type: "categorical",
        categories: [
          { value: 1, label: "yes" },
          { value: 0, label: "no" },
        ],
      },
      { client: t.reader },
    );
    expect(await readFeedbackConfig("helpful", { client: t.reader })).toEqual({
      type: "categorical",
      categories: [
        { value: 1, label: "yes" },
        { value: 0, label: "no" },
      ],
    });
    await expect(
      feedback(runId, { key: "helpful", value: "maybe" }, { client: t.reader }),
    ).rejects.toMatchObject({
      code: "FEEDBACK_INVALID",
      message: expect.stringMatching(/value "maybe" is not one of its categories.*"yes", "no"/),
    });
    await feedback(runId, { key: "helpful", score: 1, value: "yes" }, { client: t.reader });
    expect(await listFeedback({ runIds: [runId], keys: ["rating", "helpful"], client: t.reader })).toEqual([
      expect.objectContaining({ key: "helpful", score: 1 }),
    ]);
  });

  it("comes in through a presigned link without an API key", async () => {
    const link = await feedbackLink(runId, "thumbs", { expiresInHours: 1, client: t.reader });
    expect(Date.parse(link.expiresAt)).toBeGreaterThan(Date.now());
    const response = await fetch(link.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ score: 1, comment: "via link" }),
    });
    expect(response.ok).toBe(true);
    const thumbs = await listFeedback({ runIds: [runId], keys: ["thumbs"], client: t.reader });
    expect(thumbs).toEqual([expect.objectContaining({ score: 1, comment: "via link" })]);
  });

  it("is counted per period and version, and shows on the listed runs", async () => {
    const tracer = langsmithTracer({ apiUrl: t.studio.url, apiKey: "test", project: "feedback" });
    const second = (await run(shapes, { text: "parcel late" }, { tracer })).runId;
    await tracer.flush();
    tracer.close();
    await feedback(runId, { key: "rating", score: 4 }, { client: t.reader });
    await feedback(second, { key: "rating", score: 2 }, { client: t.reader });
    const stats = await feedbackStats({
      chain: "trace-shapes",
      key: "rating",
      by: "version",
      per: "day",
      project: "feedback",
      client: t.reader,
    });
    const today = new Date().toISOString().slice(0, 10);
    expect(stats.runs).toBe(2);
    expect(stats.rows).toEqual([
      { period: today, group: "2.1.0", count: 2, scored: 2, meanScore: 3, minScore: 2, maxScore: 4 },
    ]);
    const listed = await listTraces({ chain: "trace-shapes", project: "feedback", client: t.reader });
    expect(listed.map((r) => r.runId)).toEqual([second, runId]);
    expect(listed[1]?.feedback).toMatchObject({
      rating: { count: 1, meanScore: 4 },
      correctness: { count: 1, meanScore: 0 },
    });
    expect(await listTraces({ chain: "no-such-chain", project: "feedback", client: t.reader })).toEqual([]);
    expect(
      await listTraces({ project: "feedback", since: new Date(Date.now() + 60_000), client: t.reader }),
    ).toEqual([]);
  });
});
