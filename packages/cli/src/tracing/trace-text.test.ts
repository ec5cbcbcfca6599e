import type { TraceNode, TraceTree } from "@catena/core/tracing";
import { describe, expect, it } from "vitest";
import { traceTreeText } from "./trace-text.ts";

function node(fields: Partial<TraceNode> & { name: string }): TraceNode {
  return {
    runId: crypto.randomUUID(),
    runType: "chain",
    status: "done",
    startedAt: "2026-01-01T00:00:00.000Z",
    ms: 1,
    inputs: {},
    metadata: {},
    children: [],
    ...fields,
  };
}

describe("traceTreeText", () => {
  it("shows a classify step's model content hash by its first 12 digits, labelled, and an LLM's model name as is", () => {
    const hash = "5fa03fd9ad6c531feef505773c2df51ffcc7d52f1954b210a08f70dad397f231";
    const tree: TraceTree = {
      ...node({ name: "banking-intents" }),
      chain: "banking-intents",
      version: "1.0.0",
      children: [
        node({ name: "linear", kind: "classify", confidence: 0.9987, threshold: 0.745, model: hash }),
        node({ name: "llm", kind: "llm", model: "gpt-4.1-mini-2025-04-14" }),
      ],
    };
    const text = traceTreeText(tree);
    expect(text).toContain("confidence 1.00 (threshold 0.745), model 5fa03fd9ad6c\n");
    expect(text).not.toContain(hash);
    expect(text).toContain("gpt-4.1-mini-2025-04-14");
  });
});
