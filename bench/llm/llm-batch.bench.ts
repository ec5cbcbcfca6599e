// LLM batch under a provider rate limit: ITEMS labelling calls against the local OpenAI-compatible
// test server, which allows LIMIT requests per minute (429 with Retry-After beyond it) and answers
// a share CHAOS of requests with a random 429 (Retry-After: 1 s). Measures the throughput achieved
// as a share of the limit, the 429s met, the retries made and the items lost, for:
//   - Catena: runBatch over a chain with one llm step (labels, log-probability confidence), whose
//     shared per-provider rate limiter is set to the provider's limit;
//   - LangChain: ChatOpenAI.withStructuredOutput(...).batch(maxConcurrency), with LangChain's own
//     retries (maxRetries 6, Retry-After aware); LangChain JS has no client-side rate limiter.
//
//   node --conditions=@catena/source bench/llm/llm-batch.bench.ts \
//     [--items=2000] [--limit=600] [--chaos=0.02] [--concurrency=32] [--only=catena,langchain]
//
// Both use the real ChatOpenAI over HTTP; each implementation gets a fresh server (full bucket,
// same seed). At 600 requests per minute, 2,000 items take at least 200 s per implementation.

import { defineChain, llm, runBatch } from "@catena/core";
import { type OpenAiTestServer, startOpenAiTestServer } from "@catena/testing";
import { z } from "zod";
import {
  fmt,
  langchainTracingOff,
  loadNote,
  machineNotes,
  markdownTable,
  numberArg,
  selected,
} from "../lib/report.ts";

const removedEnv = langchainTracingOff();
const { ChatOpenAI } = await import("@langchain/openai");

const ITEMS = numberArg("items", 2000);
const LIMIT = numberArg("limit", 600);
const CHAOS = Number(process.argv.find((a) => a.startsWith("--chaos="))?.slice(8) ?? 0.02);
const CONCURRENCY = numberArg("concurrency", 32);
const MODEL = "gpt-4.1-mini-2025-04-14";
const LABELS = ["refund", "card", "other"] as const;

const inputs = Array.from({ length: ITEMS }, (_, i) => ({ text: `item ${i}: ${LABELS[i % 3]} question` }));
const expected = (i: number): string => LABELS[i % 3] as string;

/** The provider: labels each message by the keyword in it, with log-probabilities. */
function startProvider(): Promise<OpenAiTestServer> {
  return startOpenAiTestServer({
    chat: (_request, info) => {
      const label = LABELS.find((l) => info.userText.includes(l)) ?? "other";
      return { json: { label }, tokenLogprobs: { [label]: Math.log(0.92) } };
    },
    rateLimit: { requestsPerMinute: LIMIT },
    chaos: { probability: CHAOS, status: 429, retryAfterSeconds: 1, seed: 42 },
  });
}

interface Outcome {
  correct: number;
  failed: number;
}

interface Impl {
  name: string;
  run: (url: string) => Promise<Outcome>;
}

const catena: Impl = {
  name: `Catena runBatch, llm step with rateLimit ${LIMIT}/min (concurrency ${CONCURRENCY})`,
  async run(url) {
    const chain = defineChain({
      name: "bench-intent",
      version: "1.0.0",
      input: z.object({ text: z.string() }),
      output: z.object({ label: z.string(), confidence: z.number() }).loose(),
      flow: llm("intent", {
        model: `openai:${MODEL}`,
        prompt: { system: "Label the customer's message.", user: "{text}" },
        labels: LABELS,
        baseURL: url,
        apiKey: "bench",
        rateLimit: { requestsPerMinute: LIMIT },
      }),
    });
    const summary = await runBatch(chain, inputs, { concurrency: CONCURRENCY, collect: true });
    const correct = (summary.results ?? []).filter(
      (r) => (r.output as { label?: string } | undefined)?.label === expected(r.index),
    ).length;
    return { correct, failed: summary.failed + summary.deferred };
  },
};

const langchain: Impl = {
  name: `LangChain ChatOpenAI .batch, maxRetries 6 (maxConcurrency ${CONCURRENCY})`,
  async run(url) {
    const model = new ChatOpenAI({
      model: MODEL,
      apiKey: "bench",
      maxRetries: 6,
      logprobs: true,
      configuration: { baseURL: url },
    });
    const structured = model.withStructuredOutput(z.object({ label: z.enum(LABELS) }), { name: "intent" });
    const messages = inputs.map((input) => [
      { role: "system", content: "Label the customer's message." },
      { role: "user", content: input.text },
    ]);
    const outputs = await structured.batch(
      messages,
      { maxConcurrency: CONCURRENCY },
      { returnExceptions: true },
    );
    const correct = outputs.filter((o, i) => (o as { label?: string }).label === expected(i)).length;
    return { correct, failed: outputs.filter((o) => o instanceof Error).length };
  },
};

const impls = selected([catena, langchain]);

console.log(
  `# LLM batch: ${ITEMS} items against a provider limit of ${LIMIT} requests/min, ${fmt(CHAOS * 100, 1)}% random 429s, concurrency ${CONCURRENCY}\n`,
);
console.log(machineNotes());
if (removedEnv.length > 0) console.log(`removed from the environment: ${removedEnv.join(", ")}`);
console.log();

const rows: string[][] = [];
for (const impl of impls) {
  const server = await startProvider();
  try {
    const t0 = performance.now();
    const outcome = await impl.run(server.url);
    const seconds = (performance.now() - t0) / 1000;
    const chat = server.requests.filter((r) => r.path === "/v1/chat/completions");
    const limited = chat.filter((r) => r.rejectedBy === "rate-limit").length;
    const injected = chat.filter((r) => r.rejectedBy === "chaos").length;
    const perMinute = (outcome.correct * 60) / seconds;
    const line = [
      impl.name,
      fmt(seconds, 1),
      fmt(perMinute, 1),
      `${fmt((100 * perMinute) / LIMIT, 1)}%`,
      String(chat.length),
      String(limited),
      String(injected),
      String(chat.length - outcome.correct),
      String(ITEMS - outcome.correct),
    ];
    rows.push(line);
    console.log(
      `${impl.name}: ${fmt(seconds, 1)} s, ${outcome.correct}/${ITEMS} correct, ${outcome.failed} failed`,
    );
  } finally {
    await server.close();
  }
}

console.log(`\n${loadNote()} (after)\n`);
console.log(
  markdownTable(
    [
      "implementation",
      "wall s",
      "items/min",
      "% of limit",
      "requests",
      "429 over limit",
      "429 injected",
      "retries",
      "lost items",
    ],
    rows,
  ),
);
console.log(
  `\nitems/min = correctly labelled items × 60 / wall seconds; % of limit = items/min ÷ ${LIMIT}. ` +
    "requests = chat requests the server received; 429 over limit = refused by its token bucket " +
    `(${LIMIT}/min, ${LIMIT / 60} at once); 429 injected = random failures (Retry-After: 1 s); ` +
    "retries = requests − correctly answered items; lost items = items without a correct answer.",
);
