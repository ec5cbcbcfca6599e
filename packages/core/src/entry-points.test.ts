import { execFile } from "node:child_process";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const coreDir = dirname(dirname(fileURLToPath(import.meta.url)));

/**
 * Runs `body` in a fresh Node process (sources through the "@catena/source" condition) and returns
 * every module URL it loaded: module caches of this test process cannot hide a static import.
 */
async function modulesLoadedBy(body: string): Promise<string[]> {
  const script = `
    import { registerHooks } from "node:module";
    const urls = [];
    registerHooks({ load(url, context, next) { urls.push(url); return next(url, context); } });
    ${body}
    process.stdout.write(JSON.stringify(urls));
  `;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      "--conditions=@catena/source",
      "--disable-warning=ExperimentalWarning",
      "--input-type=module",
      "-e",
      script,
    ],
    { cwd: coreDir },
  );
  return JSON.parse(stdout) as string[];
}

const LANGCHAIN_OR_LANGSMITH = /\/(@langchain\+|@langchain\/|langchain@|langsmith@|langsmith\/)/;

describe("entry points", () => {
  it("the engine entry runs regex, knn and classify chains without loading LangChain or LangSmith", async () => {
    const loaded = await modulesLoadedBy(`
      const { classify, code, defineChain, knn, llm, regex, run, sequence } = await import("@catena/core");
      const { LocalEmbedder, VectorIndex } = await import("@catena/core/ml");
      const { z } = await import("zod");
      const texts = ["card not arrived", "pin blocked", "card still missing", "unblock my pin"];
      const labels = ["card", "pin", "card", "pin"];
      const embedder = LocalEmbedder.fit(texts);
      const index = new VectorIndex({ dimension: embedder.dimension });
      index.add(texts.map((text, i) => ({ id: String(i), vector: embedder.embed(text), label: labels[i] })));
      const classifier = {
        contentHash: "fixed", labels: ["card", "pin"],
        predict: (text) => ({ label: text.includes("pin") ? "pin" : "card", confidence: 0.9, top: [] }),
      };
      const chain = defineChain({
        name: "no-langchain", version: "1.0.0",
        input: z.object({ text: z.string() }), output: z.unknown(),
        flow: sequence(
          regex("rules", { rules: [{ label: "pin", pattern: /pin/ }] }),
          code("text", () => ({ text: "my card has not arrived" })),
          knn("neighbours", { embedder, index, k: 2 }),
          code("again", () => ({ text: "my pin is blocked" })),
          classify("linear", { model: classifier }),
        ),
      });
      // Defining an llm step must not load LangChain either: only running one does.
      llm("later", { model: "openai:gpt-4.1-mini-2025-04-14", prompt: "Say {text}" });
      const result = await run(chain, { text: "hello" });
      if (result.status !== "done") throw new Error(JSON.stringify(result));
    `);
    expect(loaded.filter((url) => LANGCHAIN_OR_LANGSMITH.test(url))).toEqual([]);
    expect(loaded.filter((url) => url.includes("/src/datasets/"))).toEqual([]);
    expect(loaded.some((url) => url.endsWith("/src/index.ts"))).toBe(true);
    expect(loaded.filter((url) => url.includes("/src/evals/"))).toEqual([]);
  });

  it("the evals entry scores runs with code evaluators without loading LangChain or LangSmith", async () => {
    const loaded = await modulesLoadedBy(`
      const { exactMatch, regexMatch } = await import("@catena/core/evals");
      const c = { inputs: {}, output: { a: 1 }, reference: { a: 1 }, status: "done" };
      if (exactMatch().evaluate(c).score !== true) throw new Error("exact match");
      if (regexMatch({ pattern: "1" }).evaluate(c).score !== true) throw new Error("regex");
    `);
    expect(loaded.filter((url) => LANGCHAIN_OR_LANGSMITH.test(url))).toEqual([]);
  });

  it("the langchain and tracing entries are the ones that load LangChain and LangSmith", async () => {
    const loaded = await modulesLoadedBy(`
      await import("@catena/core/langchain");
      await import("@catena/core/tracing");
    `);
    expect(loaded.some((url) => /@langchain\+core|@langchain\/core/.test(url))).toBe(true);
    expect(loaded.some((url) => /langsmith/.test(url))).toBe(true);
  });
});
