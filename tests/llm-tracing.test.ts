/*
 * LLM runs of an llm step nest under the step's run in the trace: Catena's LangSmith tracer sends
 * to a studio started here, the step calls the real ChatOpenAI against the local OpenAI-compatible
 * test server, and the trace is read back from the studio.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineChain, llm, run } from "@catena/core";
import { langsmithTracer, readTrace, traceClient } from "@catena/core/tracing";
import { startStudio } from "@catena/studio";
import { type OpenAiTestServer, startOpenAiTestServer } from "@catena/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";

let dir: string;
let studio: Awaited<ReturnType<typeof startStudio>>;
let provider: OpenAiTestServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "catena-llm-tracing-"));
  studio = await startStudio({ port: 0, dbPath: join(dir, "studio.db") });
  provider = await startOpenAiTestServer(() => ({
    json: { label: "refund" },
    tokenLogprobs: { refund: Math.log(0.9) },
    usage: { promptTokens: 20, completionTokens: 5 },
  }));
});

afterAll(async () => {
  await provider?.close();
  await studio?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("llm steps in a trace", () => {
  it("nest the model's LangChain runs under the step's run", async () => {
    const chain = defineChain({
      name: "traced-intent",
      version: "1.0.0",
      input: z.object({ text: z.string() }),
      output: z.object({ label: z.string() }).loose(),
      flow: llm("intent", {
        model: "openai:gpt-4.1-mini-2025-04-14",
        prompt: { system: "Label the message.", user: "{text}" },
        labels: ["refund", "card"],
        baseURL: provider.url,
        apiKey: "test",
      }),
    });
    const tracer = langsmithTracer({ apiUrl: studio.url, apiKey: "test", project: "llm" });
    const result = await run(chain, { text: "money back please" }, { tracer });
    expect(result).toMatchObject({ status: "done", output: { label: "refund" } });
    await tracer.flush();
    tracer.close();
    const tree = await readTrace(result.runId, { client: traceClient({ apiUrl: studio.url }) });
    const step = tree.children.find((c) => c.name === "intent");
    expect(step).toBeDefined();
    const runTypes = (node: { runType: string; name: string; children: unknown[] }): string[] => [
      `${node.name}:${node.runType}`,
      ...(node.children as (typeof node)[]).flatMap(runTypes),
    ];
    const below = (step?.children ?? []).flatMap((c) => runTypes(c as never));
    expect(below).toContain("ChatOpenAI:llm");
  });
});
