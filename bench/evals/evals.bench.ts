// Evals: throughput of `runExperiment` on 3,000 Banking77 queries (exact match on the label), the
// cached re-run (LLM answers from the disk cache: 0 requests reach the model), and the overhead of
// recording the experiment in a studio (dataset sync, traced runs linked to examples, one feedback
// row per run) against not recording it. The LLM tier is answered by @catena/testing's server.
// Run: node --conditions=@catena/source bench/evals/evals.bench.ts
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DiskResponseCache, setDefaultResponseCache } from "@catena/core";
import {
  type Dataset,
  ensureRemoteDataset,
  fieldMatch,
  recordExperimentFeedback,
  runExperiment,
  startExperimentSession,
  summarizeExperiment,
} from "@catena/core/evals";
import { LangsmithTracer, traceClient } from "@catena/core/tracing";
import { startStudio } from "@catena/studio";
import { startOpenAiTestServer } from "@catena/testing";
// Imported by path: @catena/bench does not depend on @catena/chains.
import { bankingIntents, INTENTS, readBankingCsv } from "../../packages/chains/src/index.ts";

const N = 3000;
const dir = await mkdtemp(join(tmpdir(), "catena-evals-bench-"));
const server = await startOpenAiTestServer(() => ({ json: { label: INTENTS[0] } }));
process.env.OPENAI_BASE_URL = server.url;
process.env.OPENAI_API_KEY = "test";
const examples = readBankingCsv().slice(0, N);
const dataset: Dataset = {
  name: "banking-bench",
  examples: examples.map((e, i) => ({ id: `b${i}`, inputs: { text: e.text }, outputs: { label: e.label } })),
  contentHash: "bench",
};
const evaluators = [fieldMatch({ fields: ["label"], key: "exact_match" })];

async function timed<T>(label: string, f: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const before = server.chatRequests().length;
  const t0 = performance.now();
  const value = await f();
  const ms = performance.now() - t0;
  const calls = server.chatRequests().length - before;
  console.log(
    `${label.padEnd(44)} ${ms.toFixed(0).padStart(7)} ms  ${((N * 1000) / ms).toFixed(0).padStart(6)} items/s  LLM requests ${calls}`,
  );
  return { ms, value };
}

// Warm-up: loads the banking models and LangChain once, so that the rows below compare the same work.
await runExperiment(bankingIntents, { ...dataset, examples: dataset.examples.slice(0, 50) }, { evaluators });

const plain = await timed("eval, no cache, not recorded", () =>
  runExperiment(bankingIntents, dataset, { evaluators }),
);
const s = summarizeExperiment(plain.value, ["rules", "linear", "neighbours", "llm"]);
console.log(
  `  exact_match ${s.evaluators[0]?.mean.toFixed(3)}, LLM share ${(s.llmShare * 100).toFixed(1)}%, p50 ${s.latency.p50Ms} ms, p95 ${s.latency.p95Ms} ms`,
);

setDefaultResponseCache(new DiskResponseCache(join(dir, "llm-cache")));
await timed("eval, cache filling (first run)", () => runExperiment(bankingIntents, dataset, { evaluators }));
await timed("eval, cached re-run", () => runExperiment(bankingIntents, dataset, { evaluators }));
setDefaultResponseCache(undefined);

const studio = await startStudio({ port: 0, dbPath: join(dir, "studio.db") });
const tracer = new LangsmithTracer({
  apiUrl: studio.url,
  apiKey: "catena-studio",
  logger: { debug() {}, info() {}, warn() {}, error() {} },
});
const { client } = traceClient({ apiUrl: studio.url });
const phases: Record<string, number> = {};
const phase = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
  const t0 = performance.now();
  const v = await f();
  phases[name] = performance.now() - t0;
  return v;
};
await timed("eval, recorded as an experiment (all steps)", async () => {
  const remote = await phase("dataset sync (3,000 examples)", () => ensureRemoteDataset(client, dataset));
  const session = await phase("session", () =>
    startExperimentSession(client, bankingIntents, remote.datasetId),
  );
  const e = await phase("traced runs", () =>
    runExperiment(bankingIntents, dataset, {
      evaluators,
      tracer,
      project: session.name,
      remoteExampleIds: remote.exampleIds,
    }),
  );
  await phase("trace flush", () => tracer.flush(120_000));
  await phase("feedback (3,000 rows)", () => recordExperimentFeedback(client, session, e.rows));
  return e;
});
for (const [name, ms] of Object.entries(phases))
  console.log(`  ${name.padEnd(30)} ${ms.toFixed(0).padStart(7)} ms`);
await timed("eval again, recorded, dataset already synced", async () => {
  const remote = await ensureRemoteDataset(client, dataset);
  const session = await startExperimentSession(client, bankingIntents, remote.datasetId);
  const e = await runExperiment(bankingIntents, dataset, {
    evaluators,
    tracer,
    project: session.name,
    remoteExampleIds: remote.exampleIds,
  });
  await tracer.flush(120_000);
  await recordExperimentFeedback(client, session, e.rows);
  return e;
});
await timed("eval again, not recorded (same process, warm)", () =>
  runExperiment(bankingIntents, dataset, { evaluators }),
);

tracer.close();
client.cleanup();
await studio.close();
await server.close();
await rm(dir, { recursive: true, force: true });
