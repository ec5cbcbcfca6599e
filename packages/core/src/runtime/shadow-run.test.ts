import { describe, expect, it } from "vitest";
import { z } from "zod";
import { runBatch } from "../batch/run-batch.ts";
import { defineChain } from "../compile/define-chain.ts";
import { code } from "../steps/code-step.ts";
import type { SpanInfo, Tracer, TraceSpan } from "../types.ts";
import { run } from "./runner.ts";
import { settleShadows } from "./shadow-run.ts";

const input = z.object({ text: z.string() });
const output = z.object({ label: z.string() });
const current = defineChain({
  name: "router",
  version: "1.0.0",
  input,
  output,
  flow: code("route", ({ text }: { text: string }) => ({
    label: text.includes("refund") ? "billing" : "other",
  })),
});

/** A candidate that answers "returns" for refunds, and waits for `gate` first when given one. */
function candidate(gate?: Promise<void>, seen: string[] = []) {
  return defineChain({
    name: "router",
    version: "2.0.0",
    input,
    output,
    flow: code("route", async ({ text }: { text: string }) => {
      seen.push(text);
      await gate;
      return { label: text.includes("refund") ? "returns" : "other" };
    }),
  });
}

/** A tracer that keeps each root span's name, tags, metadata and outputs. */
function recordingTracer() {
  const roots: (SpanInfo & { runId: string; outputs?: unknown })[] = [];
  const noop = (): TraceSpan => ({ active: true, child: noop, end() {} });
  const tracer: Tracer = {
    startRun(info) {
      const root: (typeof roots)[number] = { ...info };
      roots.push(root);
      return {
        active: true,
        child: noop,
        end(outcome) {
          root.outputs = outcome.outputs;
        },
      };
    },
  };
  return { tracer, roots };
}

describe("shadow runs", () => {
  it("leave the output unchanged, and trace the candidate with the shadow tag and the current run's id", async () => {
    const texts = ["I want a refund", "hello", "refund please"];
    const { tracer, roots } = recordingTracer();
    const without = await Promise.all(texts.map((text) => run(current, { text })));
    const withShadow = await Promise.all(
      texts.map((text) => run(current, { text }, { tracer, shadow: { chain: candidate() } })),
    );
    await settleShadows();
    expect(withShadow.map((r) => (r.status === "done" ? r.output : r))).toEqual(
      without.map((r) => (r.status === "done" ? r.output : r)),
    );
    const shadows = roots.filter((r) => r.tags?.includes("shadow"));
    expect(shadows).toHaveLength(3);
    for (const s of shadows) {
      expect(s.metadata?.version).toBe("2.0.0");
      expect(withShadow.map((r) => r.runId)).toContain(s.metadata?.shadow_of);
    }
    expect(
      roots.filter((r) => !r.tags?.includes("shadow")).every((r) => r.metadata?.version === "1.0.0"),
    ).toBe(true);
  });

  it("never hold the output back: the run ends while its candidate is still working", async () => {
    let release = (): void => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const seen: string[] = [];
    const r = await run(current, { text: "refund" }, { shadow: { chain: candidate(gate, seen) } });
    expect(r.status === "done" && r.output).toEqual({ label: "billing" });
    expect(seen).toEqual(["refund"]); // the candidate started, and is waiting at the gate
    release();
    await settleShadows();
  });

  it("run on the sampled share only, the same inputs every time, and in runBatch", async () => {
    const texts = Array.from({ length: 200 }, (_, i) => `message ${i}`);
    const seen: string[] = [];
    const summary = await runBatch(
      current,
      texts.map((text) => ({ text })),
      { shadow: { chain: candidate(undefined, seen), share: 0.25 } },
    );
    expect(summary.done).toBe(200);
    expect(seen.length).toBeGreaterThan(25);
    expect(seen.length).toBeLessThan(75);
    const again: string[] = [];
    await runBatch(
      current,
      texts.map((text) => ({ text })),
      { shadow: { chain: candidate(undefined, again), share: 0.25 } },
    );
    expect(new Set(again)).toEqual(new Set(seen));
  });
});
