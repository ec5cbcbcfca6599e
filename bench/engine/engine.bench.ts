// Engine overhead: a chain of 10 trivial steps (x => x + 1) run sequentially, one run awaited after
// the other, under each implementation. Per-step overhead = round time / (runs * 10).
//
//   node --conditions=@catena/source bench/engine/engine.bench.ts \
//     [--runs=10000] [--rounds=5] [--warmup=2000] [--only=catena,lcel]
//
// --only keeps the implementations whose name contains one of the substrings (for profiling one).
// Every implementation is warmed up, then timed in `rounds` rounds; each round runs every
// implementation RUNS times in 10 interleaved slices (order rotated per slice), and the table shows
// the median round. CPU time is measured alongside wall time, since this machine may be shared.
import { code, defineChain, run, sequenceOf } from "@catena/core";
import { assign, createActor, fromPromise, setup, toPromise } from "xstate";
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
  selected,
} from "../lib/report.ts";

const removedEnv = langchainTracingOff();
// Imported after the environment is clean, so nothing can switch LangSmith tracing on.
const { RunnableLambda, RunnableSequence } = await import("@langchain/core/runnables");
const { Annotation, END, START, StateGraph } = await import("@langchain/langgraph");

const STEPS = 10;
const RUNS = numberArg("runs", 10_000);
const ROUNDS = numberArg("rounds", 5);
const WARMUP = numberArg("warmup", 2_000);

interface Impl {
  name: string;
  /** Runs the 10-step chain once on `input` and returns its output. */
  once: (input: number) => Promise<number>;
}

// 1. Plain async functions: the floor (10 awaited async calls).
const plainFns = Array.from({ length: STEPS }, () => async (x: number) => x + 1);
const plain: Impl = {
  name: "plain async functions",
  once: async (input) => {
    let x = input;
    for (const fn of plainFns) x = await fn(x);
    return x;
  },
};

// 2. LangChain LCEL: a RunnableSequence of 10 RunnableLambdas, invoked without callbacks.
const lambda = () => RunnableLambda.from((x: number) => x + 1);
const lcelChain = RunnableSequence.from([lambda(), ...Array.from({ length: STEPS - 2 }, lambda), lambda()]);
const lcel: Impl = { name: "LangChain LCEL RunnableSequence", once: (input) => lcelChain.invoke(input) };

// 3. LangGraph: a StateGraph with 10 nodes in a line, compiled, no checkpointer.
const GraphState = Annotation.Root({ x: Annotation<number> });
// The node names are built in a loop, which the builder's literal-typed API cannot follow.
// biome-ignore lint/suspicious/noExplicitAny: see above
const builder: any = new StateGraph(GraphState);
for (let i = 0; i < STEPS; i++) builder.addNode(`n${i}`, (s: { x: number }) => ({ x: s.x + 1 }));
builder.addEdge(START, "n0");
for (let i = 1; i < STEPS; i++) builder.addEdge(`n${i - 1}`, `n${i}`);
builder.addEdge(`n${STEPS - 1}`, END);
const graph = builder.compile() as { invoke: (state: { x: number }) => Promise<{ x: number }> };
const langgraph: Impl = {
  name: "LangGraph StateGraph",
  once: async (input) => (await graph.invoke({ x: input })).x,
};

// 4. xstate v5, the naive way: one state per step, each invoking a fromPromise actor.
const stepActor = fromPromise<number, number>(async ({ input }) => input + 1);
const xstateMachine = setup({
  types: { context: {} as { x: number }, input: {} as number, output: {} as number },
  actors: { step: stepActor },
}).createMachine({
  id: "ten-steps",
  context: ({ input }) => ({ x: input }),
  initial: "s0",
  states: Object.fromEntries([
    ...Array.from({ length: STEPS }, (_, i) => [
      `s${i}`,
      {
        invoke: {
          src: "step" as const,
          input: ({ context }: { context: { x: number } }) => context.x,
          onDone: {
            target: i === STEPS - 1 ? "done" : `s${i + 1}`,
            actions: assign({ x: ({ event }: { event: { output: number } }) => event.output }),
          },
        },
      },
    ]),
    ["done", { type: "final" as const }],
  ]),
  output: ({ context }) => context.x,
});
const xstateNaive: Impl = {
  name: "xstate v5, fromPromise per state",
  once: (input) => toPromise(createActor(xstateMachine, { input }).start()) as Promise<number>,
};

// 5-7. Catena: the same 10 code steps, default (table) driver and the xstate driver. The steps are
// synchronous functions, like the LCEL and LangGraph ones; the last row uses async steps instead.
const chainOf = (name: string, fn: (x: number) => number | Promise<number>) =>
  defineChain({
    name,
    version: "1.0.0",
    input: z.number(),
    output: z.number(),
    flow: sequenceOf(Array.from({ length: STEPS }, (_, i) => code(`step-${i}`, fn))),
  });
const tenSteps = chainOf("ten-steps", (x: number) => x + 1);
const tenAsyncSteps = chainOf("ten-async-steps", async (x: number) => x + 1);
const catenaOutput = (r: Awaited<ReturnType<typeof run>>): number => {
  if (r.status !== "done")
    throw new Error(`Catena run ended ${r.status}: ${r.status === "error" ? r.error.message : ""}`);
  return r.output as number;
};
const catena: Impl = {
  name: "Catena run() (table driver)",
  once: async (input) => catenaOutput(await run(tenSteps, input)),
};
const catenaXstate: Impl = {
  name: 'Catena run() driver: "xstate"',
  once: async (input) => catenaOutput(await run(tenSteps, input, { driver: "xstate" })),
};
const catenaAsync: Impl = {
  name: "Catena run() (table), async steps",
  once: async (input) => catenaOutput(await run(tenAsyncSteps, input)),
};

const impls: Impl[] = selected([plain, lcel, langgraph, xstateNaive, catena, catenaXstate, catenaAsync]);

async function timeRuns(impl: Impl, runs: number): Promise<{ wallMs: number; cpuMs: number }> {
  return measure(async () => {
    for (let i = 0; i < runs; i++) await impl.once(0);
  });
}

console.log(
  `# Engine overhead: ${STEPS} trivial steps, ${RUNS} sequential runs, ${ROUNDS} rounds (median)\n`,
);
console.log(machineNotes());
if (removedEnv.length > 0) console.log(`removed from the environment: ${removedEnv.join(", ")}`);
console.log();

// Correctness first: every implementation must turn 0 into 10 (and 5 into 15).
for (const impl of impls) {
  for (const input of [0, 5]) {
    const out = await impl.once(input);
    if (out !== input + STEPS)
      throw new Error(`${impl.name}: expected ${input + STEPS} for input ${input}, got ${String(out)}`);
  }
}
console.log(`correctness: all ${impls.length} implementations return 10 for input 0 (and 15 for 5)`);

for (const impl of impls) await timeRuns(impl, WARMUP);
console.log(`warm-up: ${WARMUP} runs each\n`);

// Each round runs every implementation RUNS times, in CHUNKS interleaved slices (rotating the order),
// so that load from other processes falls on all implementations alike.
const CHUNKS = 10;
const chunk = Math.ceil(RUNS / CHUNKS);
const wall = new Map<Impl, number[]>(impls.map((impl) => [impl, []]));
const cpu = new Map<Impl, number[]>(impls.map((impl) => [impl, []]));
for (let round = 0; round < ROUNDS; round++) {
  const roundWall = new Map<Impl, number>();
  const roundCpu = new Map<Impl, number>();
  for (let c = 0; c < CHUNKS; c++) {
    const runs = Math.min(chunk, RUNS - c * chunk);
    for (let i = 0; i < impls.length; i++) {
      const impl = impls[(i + round + c) % impls.length] as Impl;
      const t = await timeRuns(impl, runs);
      roundWall.set(impl, (roundWall.get(impl) ?? 0) + t.wallMs);
      roundCpu.set(impl, (roundCpu.get(impl) ?? 0) + t.cpuMs);
    }
  }
  for (const impl of impls) {
    wall.get(impl)?.push(roundWall.get(impl) ?? 0);
    cpu.get(impl)?.push(roundCpu.get(impl) ?? 0);
  }
  const line = impls.map((impl) => `${impl.name}: ${fmt(roundWall.get(impl) ?? 0, 0)} ms`);
  console.log(`round ${round + 1}/${ROUNDS}: ${line.join("; ")}`);
}

const perStep = (ms: number): number => (ms * 1000) / (RUNS * STEPS);
const usPerStep = (impl: Impl): number => perStep(median(wall.get(impl) ?? []));
const lcelUs = impls.includes(lcel) ? usPerStep(lcel) : Number.NaN;
const rows = impls.map((impl) => {
  const us = usPerStep(impl);
  const ratio = Number.isNaN(lcelUs) ? "n/a" : `${fmt(us / lcelUs, 3)}×`;
  const best = perStep(Math.min(...(wall.get(impl) ?? [])));
  const cpuUs = perStep(median(cpu.get(impl) ?? []));
  return [impl.name, fmt(us, 2), fmt(best, 2), fmt(cpuUs, 2), fmt(1e6 / (us * STEPS), 0), ratio];
});
console.log(`\n${loadNote()} (after)\n`);
console.log(
  markdownTable(["implementation", "µs/step", "best round", "CPU µs/step", "runs/s", "vs LCEL"], rows),
);
console.log(
  `\nµs/step = median over ${ROUNDS} rounds of round wall time / (${RUNS} runs × ${STEPS} steps); ` +
    "best round = the fastest round, same unit; CPU µs/step = median process CPU time (user + system, " +
    "all threads, GC included) per step; runs/s = whole 10-step runs per second (from µs/step); " +
    "vs LCEL = µs/step ÷ LCEL's µs/step (lower is faster).",
);
