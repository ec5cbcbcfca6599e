/*
 * Traces shaped like Catena's (root metadata chain/version/fingerprint/status/tier, steps with
 * kind/tier/confidence/threshold, an `llm` step with chat messages and usage), sent to a studio
 * through the real langsmith SDK, for the browser tests of the studio's page.
 */
import { randomUUID } from "node:crypto";
import type { Client } from "langsmith";

/** One step of a seeded trace. */
export interface SeedStep {
  name: string;
  kind: string;
  runType?: "chain" | "llm" | "tool";
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  error?: string;
  ms: number;
}

/** A seeded trace: the root run's fields and its steps in order. */
export interface SeedTrace {
  project: string;
  chain: string;
  version: string;
  status: string;
  inputs: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  tier?: string;
  /** More of the root's metadata, as Catena's tracer ends a run with it (`model`, `tokens_in`, ...). */
  metadata?: Record<string, unknown>;
  start: Date;
  steps: SeedStep[];
  referenceExampleId?: string;
}

/** The dotted-order part of a run `id` started at `date`, as the SDK writes it. */
export function dotted(date: Date, id: string): string {
  return `${date
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.(\d{3})Z$/, "$1000Z")}${id}`;
}

/** Sends `trace` (root and steps, each created already finished) and returns the root run's id. */
export async function seedTrace(client: Client, trace: SeedTrace): Promise<string> {
  const rootId = randomUUID();
  const rootDotted = dotted(trace.start, rootId);
  let at = trace.start.getTime();
  for (const step of trace.steps) {
    const id = randomUUID();
    const start = new Date(at);
    const end = new Date(at + step.ms);
    at += step.ms;
    await client.createRun({
      id,
      trace_id: rootId,
      parent_run_id: rootId,
      dotted_order: `${rootDotted}.${dotted(start, id)}`,
      name: step.name,
      run_type: step.runType ?? "chain",
      project_name: trace.project,
      inputs: step.inputs ?? {},
      outputs: step.outputs ?? {},
      start_time: start.toISOString(),
      end_time: end.toISOString(),
      ...(step.error === undefined ? {} : { error: step.error }),
      extra: { metadata: { chain: trace.chain, version: trace.version, kind: step.kind, ...step.metadata } },
    });
  }
  await client.createRun({
    id: rootId,
    trace_id: rootId,
    dotted_order: rootDotted,
    name: trace.chain,
    run_type: "chain",
    project_name: trace.project,
    inputs: trace.inputs,
    outputs: trace.outputs ?? {},
    start_time: trace.start.toISOString(),
    end_time: new Date(at).toISOString(),
    ...(trace.referenceExampleId === undefined ? {} : { reference_example_id: trace.referenceExampleId }),
    extra: {
      metadata: {
        chain: trace.chain,
        version: trace.version,
        fingerprint: `fp-${trace.chain}-${trace.version}`,
        status: trace.status,
        ms: at - trace.start.getTime(),
        ...(trace.tier === undefined ? {} : { tier: trace.tier }),
        ...trace.metadata,
      },
    },
  });
  return rootId;
}

/** An `llm` step as LangSmith renders it as a conversation: chat messages in, an AI message and usage out. */
export function llmStep(question: string, answer: string): SeedStep {
  const message = (cls: string, content: string) => ({
    lc: 1,
    type: "constructor",
    id: ["langchain_core", "messages", cls],
    kwargs: { content },
  });
  return {
    name: "classify-llm",
    kind: "llm",
    runType: "llm",
    ms: 40,
    inputs: {
      messages: [[message("SystemMessage", "Label the ticket."), message("HumanMessage", question)]],
    },
    outputs: {
      generations: [[{ text: answer, message: message("AIMessage", answer) }]],
      usage_metadata: { input_tokens: 120, output_tokens: 8, total_tokens: 128 },
    },
    metadata: { tier: "llm", confidence: 0.912345, threshold: 0.7, ls_model_name: "gpt-test" },
  };
}
