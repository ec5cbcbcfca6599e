/*
 * tracerFromEnv end to end: LangSmith's API (here the studio) when a key is set, a studio of its
 * own when not, off with LANGSMITH_TRACING=false; and a chain's own project from its metadata.
 */
import { join } from "node:path";
import { code, defineChain, run } from "@catena/core";
import { langsmithTracer, listTraces, readTrace, tracerFromEnv } from "@catena/core/tracing";
import { startStudio } from "@catena/studio";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { rootRuns } from "./support/studio-runs.ts";
import { shapes, useTracingStudio } from "./support/tracing-studio.ts";

const t = useTracingStudio();

describe("tracerFromEnv", () => {
  it("traces to LangSmith's API when LANGSMITH_API_KEY is set, and the SDK's own client reads it back", async () => {
    const backend = await tracerFromEnv({
      env: { LANGSMITH_API_KEY: "any", LANGSMITH_ENDPOINT: t.studio.url, LANGSMITH_PROJECT: "from-env" },
    });
    expect(backend).toMatchObject({ kind: "langsmith", url: t.studio.url, inProcess: false });
    if (backend === undefined) throw new Error("no backend");
    const result = await run(shapes, { text: "refund" }, { tracer: backend.tracer });
    expect((await backend.close()).status).toBe("sent");
    const roots = await rootRuns(t.sdk, "from-env");
    expect(roots.map((r) => r.id)).toEqual([result.runId]);
  });

  it("starts the studio it is given when there is no key, and is off with LANGSMITH_TRACING=false", async () => {
    let started = 0;
    const backend = await tracerFromEnv({
      env: {},
      startStudio: async () => {
        started++;
        return startStudio({ port: 0, dbPath: join(t.dir, "own.db") });
      },
    });
    expect(backend).toMatchObject({ kind: "studio", inProcess: true });
    expect(started).toBe(1);
    if (backend === undefined) throw new Error("no backend");
    const result = await run(shapes, { text: "refund" }, { tracer: backend.tracer });
    expect((await backend.tracer.flush()).status).toBe("sent");
    expect(await readTrace(result.runId, { client: backend.client })).toMatchObject({
      chain: "trace-shapes",
    });
    // The SDK's links from the backend's client open the studio's page, not localhost:3000.
    const link = await backend.client.client.getRunUrl({ runId: result.runId });
    expect(link.startsWith(`${backend.url}/o/`)).toBe(true);
    expect((await fetch(link)).headers.get("content-type")).toMatch(/text\/html/);
    expect((await backend.close()).status).toBe("sent");
    expect(
      await tracerFromEnv({ env: { LANGSMITH_TRACING: "false", LANGSMITH_API_KEY: "x" } }),
    ).toBeUndefined();
    expect(await tracerFromEnv({ env: {} })).toBeUndefined();
  });

  it("sends a chain's runs to the project its metadata names", async () => {
    const projectChain = defineChain({
      name: "own-project",
      version: "1.0.0",
      input: z.object({ text: z.string() }),
      output: z.unknown(),
      metadata: { project: "team-a", owner: "ana" },
      flow: code("echo", (d: unknown) => d),
    });
    const tracer = langsmithTracer({ apiUrl: t.studio.url, apiKey: "test", project: "elsewhere" });
    const result = await run(projectChain, { text: "x" }, { tracer });
    await tracer.flush();
    tracer.close();
    const listed = await listTraces({ project: "team-a", client: t.reader });
    expect(listed.map((r) => r.runId)).toEqual([result.runId]);
    expect(await listTraces({ project: "elsewhere", client: t.reader })).toEqual([]);
  });
});
