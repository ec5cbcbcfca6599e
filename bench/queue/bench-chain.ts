// The chain of the queue benchmark: one llm step labelling a message, answered by the OpenAI test
// server at `baseURL`. Defined here once, so that the submitter and every worker process get the
// same fingerprint.
import { defineChain, llm } from "@catena/core";
import { z } from "zod";

export const LABELS = ["refund", "card", "other"] as const;

/** The benchmark chain, pointed at the test server. */
export function benchChain(baseURL: string) {
  return defineChain({
    name: "bench-queue-intent",
    version: "1.0.0",
    input: z.object({ text: z.string() }),
    output: z.object({ label: z.string(), confidence: z.number() }).loose(),
    flow: llm("intent", {
      model: "openai:gpt-4.1-mini-2025-04-14",
      prompt: { system: "Label the customer's message.", user: "{text}" },
      labels: LABELS,
      baseURL,
      apiKey: "bench",
    }),
  });
}
