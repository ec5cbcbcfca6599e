import { traceable } from "langsmith/traceable";
import { describe, expect, it, vi } from "vitest";
import { collect, request, useStudio } from "../studio-fixture.case.ts";

const fixture = useStudio();
const json = { "content-type": "application/json" };

describe("feedback configs through the langsmith SDK", () => {
  it("starts with rating as continuous 1–5 and refuses a score of 999 on it, saying the range", async () => {
    const client = fixture.client();
    const [rating] = await collect(client.listFeedbackConfigs({ feedbackKeys: ["rating"] }));
    expect(rating).toMatchObject({
      feedback_key: "rating",
      feedback_config: { type: "continuous", min: 1, max: 5 },
    });
    const runId = crypto.randomUUID();
    await expect(client.createFeedback(runId, "rating", { score: 999 })).rejects.toThrow(
      /Feedback \\"rating\\": score 999 is outside 1–5.*give a score from 1 to 5/,
    );
    await client.createFeedback(runId, "rating", { score: 4 });
    expect((await collect(client.listFeedback({ runIds: [runId] }))).map((f) => f.score)).toEqual([4]);
  });

  it("stores configs (continuous, categorical, freeform) and enforces them on every feedback", async () => {
    const client = fixture.client();
    await client.createFeedbackConfig({
      feedbackKey: "verdict",
      feedbackConfig: {
        type: "categorical",
        categories: [
          { value: 1, label: "right" },
          { value: 0, label: "wrong" },
        ],
      },
    });
    await client.createFeedbackConfig({ feedbackKey: "note", feedbackConfig: { type: "freeform" } });
    const runId = crypto.randomUUID();
    await client.createFeedback(runId, "verdict", { score: 1, value: "right" });
    await expect(client.createFeedback(runId, "verdict", { score: 0.5 })).rejects.toThrow(
      /score 0.5 is not one of its categories.*allows 1 \(right\), 0 \(wrong\)/,
    );
    await expect(client.createFeedback(runId, "verdict", { value: "maybe" })).rejects.toThrow(
      /value \\"maybe\\" is not one of its categories/,
    );
    await expect(client.createFeedback(runId, "note", { score: 3 })).rejects.toThrow(/freeform/);
    await client.createFeedback(runId, "note", { value: "reads well" });

    // The same config again is fine; another one is refused until it is changed with PATCH.
    await client.createFeedbackConfig({ feedbackKey: "note", feedbackConfig: { type: "freeform" } });
    await expect(
      client.createFeedbackConfig({ feedbackKey: "note", feedbackConfig: { type: "continuous" } }),
    ).rejects.toThrow(/already exists/);
    const updated = await client.updateFeedbackConfig("rating", {
      feedbackConfig: { type: "continuous", min: 0, max: 10 },
    });
    expect(updated.feedback_config).toEqual({ type: "continuous", min: 0, max: 10 });
    await client.createFeedback(runId, "rating", { score: 9 });

    // A PATCH of a feedback must still fit.
    const [verdict] = await collect(client.listFeedback({ runIds: [runId], feedbackKeys: ["verdict"] }));
    await expect(client.updateFeedback(verdict!.id, { score: 7 })).rejects.toThrow(
      /not one of its categories/,
    );

    await client.deleteFeedbackConfig("note");
    expect(await collect(client.listFeedbackConfigs({ feedbackKeys: ["note"] }))).toEqual([]);
  });

  it("takes the config the SDK sends with createFeedback for a key that has none, and enforces it", async () => {
    const client = fixture.client();
    const runId = crypto.randomUUID();
    await client.createFeedback(runId, "stars", {
      score: 3,
      feedbackConfig: { type: "continuous", min: 1, max: 3 },
    });
    await expect(client.createFeedback(runId, "stars", { score: 4 })).rejects.toThrow(/outside 1–3/);
  });

  it("keeps the runs of a batch whose feedback part breaks its key's config, and says so", async () => {
    const client = fixture.client();
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const rated = traceable(async () => "ok", { name: "rated", client, project_name: "batched-feedback" });
    await rated();
    await client.awaitPendingTraceBatches();
    const [run] = await collect(client.listRuns({ projectName: "batched-feedback" }));
    const before = traceable(async () => "ok", {
      name: "same-batch",
      client,
      project_name: "batched-feedback",
    });
    const pending = before();
    await client.createFeedback({
      runId: run!.id,
      traceId: run!.trace_id!,
      key: "rating",
      score: 999,
      sessionId: run!.session_id!,
    });
    await pending;
    await client.awaitPendingTraceBatches();
    const names = (await collect(client.listRuns({ projectName: "batched-feedback" })))
      .map((r) => r.name)
      .sort();
    expect(names).toEqual(["rated", "same-batch"]);
    expect(await collect(client.listFeedback({ runIds: [run!.id] }))).toEqual([]);
    expect(warn.mock.calls.flat().join("\n")).toMatch(/refused feedback .*score 999 is outside/);
    warn.mockRestore();
  });

  it("adds and removes categories (addFeedbackCategories, removeFeedbackCategories), and deletes by config id", async () => {
    const client = fixture.client();
    const created = await client.createFeedbackConfig({
      feedbackKey: "tone",
      feedbackConfig: {
        type: "categorical",
        categories: [
          { value: 0, label: "rude" },
          { value: 1, label: "ok" },
        ],
      },
    });
    const added = await client.addFeedbackCategories("tone", [{ value: 2, label: "warm" }]);
    expect(added.feedback_config.categories).toEqual([
      { value: 0, label: "rude" },
      { value: 1, label: "ok" },
      { value: 2, label: "warm" },
    ]);
    const removed = await client.removeFeedbackCategories("tone", [0], { configId: created.id! });
    expect(removed.feedback_config.categories?.map((c) => c.label)).toEqual(["ok", "warm"]);
    // The config is enforced as changed: the removed value is refused now, the added one taken.
    const run = crypto.randomUUID();
    await expect(client.createFeedback(run, "tone", { score: 0 })).rejects.toThrow(/\[422\]/);
    await client.createFeedback(run, "tone", { score: 2 });

    await expect(client.addFeedbackCategories("tone", [{ value: 5, label: "ok" }])).rejects.toThrow(
      /\[422\].*category 5 \(ok\) clashes with 1 \(ok\)/,
    );
    await expect(client.removeFeedbackCategories("tone", [1, 2])).rejects.toThrow(
      /\[422\].*at least one category must remain, as a new config needs one/,
    );
    // One category is enough, as for a new config.
    const one = await client.removeFeedbackCategories("tone", [1]);
    expect(one.feedback_config.categories?.map((c) => c.label)).toEqual(["warm"]);
    await expect(client.addFeedbackCategories("rating", [{ value: 9 }])).rejects.toThrow(
      /\[422\].*the config is continuous, so it has no categories/,
    );

    const mismatch = await request(fixture.studio, "PATCH", "/feedback-configs", {
      headers: json,
      body: JSON.stringify({ feedback_key: "tone", id: "not-this-one" }),
    });
    expect(mismatch.status).toBe(404);
    expect(mismatch.body).toMatchObject({
      code: "feedback-config-id-mismatch",
      feedback_key: "tone",
      id: "not-this-one",
      config_id: created.id,
      detail: expect.stringMatching(/^No feedback config "not-this-one" for "tone"/),
    });

    await client.deleteFeedbackConfig(undefined, { configId: created.id! });
    expect(await collect(client.listFeedbackConfigs({ feedbackKeys: ["tone"] }))).toEqual([]);
    // Deleting it again by id: the SDK shows the detail, a caller can branch on the code.
    await expect(client.deleteFeedbackConfig(undefined, { configId: created.id! })).rejects.toThrow(
      /\[404\].*No feedback config .*list them with GET \/feedback-configs/,
    );
    const gone = await request(fixture.studio, "DELETE", `/feedback-configs?id=${created.id}`);
    expect(gone.body).toMatchObject({ code: "feedback-config-not-found", id: created.id });
  });

  it("refuses a malformed config with a 422 naming the field", async () => {
    const response = await request(fixture.studio, "POST", "/feedback-configs", {
      body: JSON.stringify({ feedback_key: "x", feedback_config: { type: "continuous", min: 5, max: 1 } }),
      headers: json,
    });
    expect(response.status).toBe(422);
    expect((response.body as { detail: string }).detail).toMatch(/"min" \(5\) is above "max" \(1\)/);
  });
});

describe("presigned feedback tokens with a feedback_config", () => {
  it("refuses a score of 7 on a {0, 1} config, through POST and GET, and keeps valid ones", async () => {
    const client = fixture.client();
    const runId = crypto.randomUUID();
    const token = await client.createPresignedFeedbackToken(runId, "thumbs-up", {
      feedbackConfig: { type: "continuous", min: 0, max: 1 },
    });
    const path = new URL(token.url).pathname;
    const posted = await request(fixture.studio, "POST", path, {
      body: JSON.stringify({ score: 7 }),
      headers: json,
    });
    expect(posted.status).toBe(422);
    expect((posted.body as { detail: string }).detail).toMatch(/score 7 is outside 0–1/);
    expect((await request(fixture.studio, "GET", `${path}?score=7`)).status).toBe(422);
    const categorical = await client.createPresignedFeedbackToken(runId, "thumbs", {
      feedbackConfig: {
        type: "categorical",
        categories: [
          { value: 0, label: "down" },
          { value: 1, label: "up" },
        ],
      },
    });
    const categoricalPath = new URL(categorical.url).pathname;
    expect(
      (
        await request(fixture.studio, "POST", categoricalPath, {
          body: JSON.stringify({ score: 7 }),
          headers: json,
        })
      ).status,
    ).toBe(422);
    expect((await request(fixture.studio, "GET", `${categoricalPath}?score=1`)).status).toBe(200);
    expect(
      (await request(fixture.studio, "POST", path, { body: JSON.stringify({ score: 1 }), headers: json }))
        .status,
    ).toBe(200);
    const stored = await collect(client.listFeedback({ runIds: [runId] }));
    expect(stored.map((f) => [f.key, f.score])).toEqual([
      ["thumbs", 1],
      ["thumbs-up", 1],
    ]);
  });
});
