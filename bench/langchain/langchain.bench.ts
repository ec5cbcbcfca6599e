// Both ways into LangChain, measured against LangChain itself.
//
// A. Bridge overhead: 10 trivial steps (x => x + 1), sequential runs, as an LCEL RunnableSequence
//    (the peer), as a Catena chain run with run(), the same chain through toRunnable() (invoke and
//    stream), and a Catena chain whose 10 steps are LangChain RunnableLambdas (runnableStep).
// B. Embeddings: a corpus of texts with repeats, embedded twice (an index build, then the same
//    texts again), with LangChain's OpenAIEmbeddings (the peer) and openAiEmbedder, both over
//    HTTP against the local OpenAI-compatible test server, same batch size and concurrency.
//
//   node --conditions=@catena/source bench/langchain/langchain.bench.ts \
//     [--runs=5000] [--rounds=5] [--texts=4000] [--distinct=2000]
import { code, defineChain, run, type Step, sequenceOf } from "@catena/core";
import { openAiEmbedder, runnableStep, toRunnable } from "@catena/core/langchain";
import { startOpenAiTestServer } from "@catena/testing";
import { z } from "zod";
import {
  fmt,
  langchainTracingOff,
  loadNote,
  machineNotes,
  markdownTable,
  measure,
  median,
  numberArg,
} from "../lib/report.ts";

const removedEnv = langchainTracingOff();
const { RunnableLambda, RunnableSequence } = await import("@langchain/core/runnables");
const { OpenAIEmbeddings } = await import("@langchain/openai");

const STEPS = 10;
const RUNS = numberArg("runs", 5_000);
const ROUNDS = numberArg("rounds", 5);
const TEXTS = numberArg("texts", 4_000);
const DISTINCT = numberArg("distinct", 2_000);

console.log("# Both ways into LangChain\n");
console.log(machineNotes());
if (removedEnv.length > 0) console.log(`removed from the environment: ${removedEnv.join(", ")}`);

// ---- A. Bridge overhead ---------------------------------------------------------------------
interface Impl {
  name: string;
  once: (input: number) => Promise<number>;
}
const lambda = () => RunnableLambda.from((x: number) => x + 1);
const lcelChain = RunnableSequence.from([lambda(), ...Array.from({ length: STEPS - 2 }, lambda), lambda()]);
const chainOf = (name: string, steps: Step<number, number>[]) =>
  defineChain({ name, version: "1.0.0", input: z.number(), output: z.number(), flow: sequenceOf(steps) });
const codeChain = chainOf(
  "ten-code-steps",
  Array.from({ length: STEPS }, (_, i) => code(`step-${i}`, (x: number) => x + 1)),
);
const lambdaChain = chainOf(
  "ten-runnable-steps",
  Array.from({ length: STEPS }, (_, i) => runnableStep(`step-${i}`, lambda())),
);
const bridged = await toRunnable(codeChain);
const outputOf = (r: Awaited<ReturnType<typeof run>>): number => {
  if (r.status !== "done") throw new Error(`run ended ${r.status}`);
  return r.output as number;
};
const impls: Impl[] = [
  { name: "LangChain LCEL RunnableSequence (peer)", once: (x) => lcelChain.invoke(x) },
  { name: "Catena run(), code steps", once: async (x) => outputOf(await run(codeChain, x)) },
  { name: "toRunnable(chain).invoke()", once: (x) => bridged.invoke(x) },
  {
    name: "toRunnable(chain).streamSteps(), all events",
    once: async (x) => {
      let out = Number.NaN;
      for await (const event of await bridged.streamSteps(x)) if (event.type === "output") out = event.output;
      return out;
    },
  },
  {
    name: "Catena run(), runnableStep(RunnableLambda) steps",
    once: async (x) => outputOf(await run(lambdaChain, x)),
  },
];
for (const impl of impls) {
  if ((await impl.once(5)) !== 5 + STEPS) throw new Error(`${impl.name}: wrong output`);
  for (let i = 0; i < 500; i++) await impl.once(i);
}
const wall = new Map<Impl, number[]>(impls.map((i) => [i, []]));
const cpu = new Map<Impl, number[]>(impls.map((i) => [i, []]));
for (let round = 0; round < ROUNDS; round++) {
  // Rotate the order per round, so that load from other processes falls on all alike.
  for (let k = 0; k < impls.length; k++) {
    const impl = impls[(k + round) % impls.length] as Impl;
    const t = await measure(async () => {
      for (let i = 0; i < RUNS; i++) await impl.once(i);
    });
    wall.get(impl)?.push(t.wallMs);
    cpu.get(impl)?.push(t.cpuMs);
  }
}
const usPerRun = (ms: number) => (ms * 1000) / RUNS;
const lcelUs = usPerRun(median(wall.get(impls[0] as Impl) ?? []));
console.log(`\n## A. ${STEPS} trivial steps, ${RUNS} sequential runs, median of ${ROUNDS} rounds\n`);
console.log(
  markdownTable(
    ["implementation", "µs/run", "CPU µs/run", "runs/s", "vs LCEL"],
    impls.map((impl) => {
      const us = usPerRun(median(wall.get(impl) ?? []));
      return [
        impl.name,
        fmt(us, 1),
        fmt(usPerRun(median(cpu.get(impl) ?? [])), 1),
        fmt(1e6 / us, 0),
        `${fmt(us / lcelUs, 3)}×`,
      ];
    }),
  ),
);

// ---- B. Embeddings ----------------------------------------------------------------------------
const server = await startOpenAiTestServer({ embeddingDimension: 256 });
const corpus = Array.from(
  { length: TEXTS },
  (_, i) => `customer message number ${i % DISTINCT} about an order`,
);
const embeddingRequests = () => server.requests.filter((r) => r.path === "/v1/embeddings").length;
const sentTexts = () =>
  server.requests
    .filter((r) => r.path === "/v1/embeddings")
    .reduce((n, r) => n + ((r.body as { input: unknown[] }).input?.length ?? 0), 0);
const common = { model: "text-embedding-3-small", dimensions: 256, batchSize: 512 };
const embedders = [
  {
    name: "LangChain OpenAIEmbeddings (peer)",
    make: () =>
      new OpenAIEmbeddings({
        ...common,
        apiKey: "test",
        maxConcurrency: 4,
        maxRetries: 0,
        configuration: { baseURL: server.url },
      }),
  },
  {
    name: "openAiEmbedder (memory cache)",
    make: () => openAiEmbedder({ ...common, concurrency: 4, baseURL: server.url }),
  },
];
const embeddingRows: string[][] = [];
for (const { name, make } of embedders) {
  const embedder = make();
  await make().embedDocuments(corpus.slice(0, 8)); // warm up the client and the HTTP connection
  const passes: string[] = [];
  let texts = 0;
  let requests = 0;
  for (let pass = 0; pass < 2; pass++) {
    const [r0, t0] = [embeddingRequests(), sentTexts()];
    const t = await measure(() => embedder.embedDocuments(corpus));
    if (t.value.length !== TEXTS || t.value[0]?.length !== 256) throw new Error(`${name}: wrong vectors`);
    requests += embeddingRequests() - r0;
    texts += sentTexts() - t0;
    passes.push(fmt(t.wallMs, 0));
  }
  embeddingRows.push([name, ...passes, fmt(requests, 0), fmt(texts, 0)]);
}
await server.close();
console.log(
  `\n## B. ${fmt(TEXTS, 0)} texts (${fmt(DISTINCT, 0)} distinct) embedded twice, batches of 512, 4 requests in flight\n`,
);
console.log(markdownTable(["embedder", "pass 1 ms", "pass 2 ms", "requests", "texts sent"], embeddingRows));
console.log(`\n${loadNote()} (after)`);
