import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cascade, code, defineChain, llm, run, settleShadows } from "@catena/core";
import { feedback, langsmithTracer, traceClient } from "@catena/core/tracing";
import { startStudio } from "@catena/studio";
import { startOpenAiTestServer } from "@catena/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { readTracedLabels } from "./traced-labels.ts";

let dir: string;
let studio: Awaited<ReturnType<typeof startStudio>>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "catena-traced-labels-"));
  studio = await startStudio({ port: 0, dbPath: join(dir, "studio.db") });
});

afterAll(async () => {
  await studio?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("readTracedLabels", () => {
  it("takes a corrected deferred run's correction as its label, nothing of the deferral record", async () => {
    const unsure = defineChain({
      name: "unsure-intents",
      version: "1.0.0",
      input: z.object({ text: z.string() }),
      output: z.object({ label: z.string() }),
      flow: cascade(
        "intent",
        [{ step: code("guess", () => ({ label: "general", confidence: 0.2 })), threshold: 0.9 }],
        { onExhausted: "deferred" },
      ),
    });
    const since = new Date(Date.now() - 60_000);
    const tracer = langsmithTracer({ apiUrl: studio.url, apiKey: "test", project: "intents" });
    const corrected = await run(unsure, { text: "where is my refund" }, { tracer });
    await run(unsure, { text: "hmm" }, { tracer });
    await tracer.flush();
    tracer.close();
    const client = traceClient({ apiUrl: studio.url });
    // Through the studio, which checks the correction against the chain's output schema.
    await feedback(
      corrected.runId,
      { key: "correctness", score: 0, correction: { label: "billing" } },
      { client },
    );
    const { items, counts } = await readTracedLabels({
      chain: "unsure-intents",
      projects: ["intents"],
      since,
      labels: ["billing", "general"],
      llmTiers: ["llm"],
      ratingKey: "rating",
      minRating: 3,
      client,
      where: "the studio",
    });
    expect(items).toEqual([
      {
        runId: corrected.runId,
        startedAt: expect.any(String),
        text: "where is my refund",
        label: "billing",
        source: "correction",
        tier: "deferred",
      },
    ]);
    expect(counts).toMatchObject({ runs: 2, corrected: 1, unanswered: 1, routed: { deferred: 2 } });
  });

  it("reads an audit as an LLM label of the audited text, the cheap tier's answer beside it", async () => {
    const server = await startOpenAiTestServer(() => ({
      json: { label: "billing" },
      tokenLogprobs: { billing: Math.log(0.9) },
    }));
    try {
      const chain = defineChain({
        name: "audited-intents",
        version: "1.0.0",
        input: z.object({ text: z.string() }),
        output: z.object({ label: z.string() }).passthrough(),
        flow: cascade("intent", [
          { step: code("guess", () => ({ label: "general", confidence: 0.95 })), threshold: 0.9 },
          llm("gpt", {
            model: "openai:gpt-4.1-mini-2025-04-14",
            baseURL: server.url,
            apiKey: "test",
            prompt: "Label {text}",
            labels: ["billing", "general"],
          }),
        ]),
      });
      const since = new Date(Date.now() - 60_000);
      const tracer = langsmithTracer({ apiUrl: studio.url, apiKey: "test", project: "audited" });
      const answered = await run(chain, { text: "charged twice" }, { tracer, audit: { share: 1 } });
      await settleShadows();
      await tracer.flush();
      tracer.close();
      const { items, counts } = await readTracedLabels({
        chain: "audited-intents",
        projects: ["audited"],
        since,
        labels: ["billing", "general"],
        llmTiers: ["gpt"],
        ratingKey: "rating",
        minRating: 3,
        client: traceClient({ apiUrl: studio.url }),
        where: "the studio",
      });
      expect(items).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            runId: answered.runId,
            label: "general",
            source: "cheap",
            tier: "guess",
          }),
          expect.objectContaining({
            text: "charged twice",
            label: "billing",
            source: "llm",
            tier: "guess",
            answered: "general",
            audit: true,
          }),
        ]),
      );
      expect(items).toHaveLength(2);
      expect(counts).toMatchObject({ runs: 1, shadow: 0, audits: 1, auditDisagreements: 1, cheap: 1 });
    } finally {
      await server.close();
    }
  });

  it("takes a person's word on an audit: rated wrong, it is no label; corrected, the correction is", async () => {
    const server = await startOpenAiTestServer(() => ({
      json: { label: "billing" },
      tokenLogprobs: { billing: Math.log(0.9) },
    }));
    try {
      const chain = defineChain({
        name: "rated-audits",
        version: "1.0.0",
        input: z.object({ text: z.string() }),
        output: z.object({ label: z.string() }).passthrough(),
        flow: cascade("intent", [
          { step: code("guess", () => ({ label: "general", confidence: 0.95 })), threshold: 0.9 },
          llm("gpt", {
            model: "openai:gpt-4.1-mini-2025-04-14",
            baseURL: server.url,
            apiKey: "test",
            prompt: "Label {text}",
            labels: ["billing", "general", "card"],
          }),
        ]),
      });
      const since = new Date(Date.now() - 60_000);
      const tracer = langsmithTracer({ apiUrl: studio.url, apiKey: "test", project: "rated-audits" });
      const audits: string[] = [];
      const onAudit = (a: { auditRunId: string }) => audits.push(a.auditRunId);
      await run(chain, { text: "rated wrong" }, { tracer, audit: { share: 1, onAudit } });
      await settleShadows();
      await run(chain, { text: "corrected" }, { tracer, audit: { share: 1, onAudit } });
      await settleShadows();
      await tracer.flush();
      tracer.close();
      const client = traceClient({ apiUrl: studio.url });
      await feedback(audits[0] as string, { key: "rating", score: 1 }, { client });
      await feedback(
        audits[1] as string,
        { key: "correctness", score: 0, correction: { label: "card" } },
        { client },
      );
      const { items, counts } = await readTracedLabels({
        chain: "rated-audits",
        projects: ["rated-audits"],
        since,
        labels: ["billing", "general", "card"],
        llmTiers: ["gpt"],
        ratingKey: "rating",
        minRating: 3,
        client,
        where: "the studio",
      });
      const fromAudits = items.filter((i) => i.source !== "cheap");
      expect(fromAudits).toEqual([
        expect.objectContaining({
          text: "corrected",
          label: "card",
          source: "correction",
          answered: "billing",
        }),
      ]);
      expect(counts).toMatchObject({ runs: 2, audits: 0, corrected: 1, lowRated: 1 });
    } finally {
      await server.close();
    }
  });
});
