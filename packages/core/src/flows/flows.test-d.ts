/*
 * Type tests of typed composition: what must infer (`expectTypeOf`) and every kind of mis-wiring that
 * must not compile (`@ts-expect-error`, which itself fails when the line compiles). Run by vitest's
 * typecheck mode as part of `pnpm test`.
 */
import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { type BatchSummary, runBatch } from "../batch/run-batch.ts";
import type { DecisionFrom } from "../compile/chain.ts";
import { defineChain } from "../compile/define-chain.ts";
import type { SerializedError } from "../errors/catena-error.ts";
import type { RunResult } from "../runtime/run-types.ts";
import { resume, run, runOrThrow } from "../runtime/runner.ts";
import { code } from "../steps/code-step.ts";
import { regex } from "../steps/regex-step.ts";
import type { LabelResult } from "../types.ts";
import { assign, branch, cascade, flow, map, retry, review, sequence, sequenceOf } from "./flow-nodes.ts";
import type { Flow, FlowDecision, FlowInput, FlowOutput } from "./flow-types.ts";
import { parallel, type Settled } from "./parallel.ts";
import { subchain } from "./subchain.ts";

const input = z.object({ text: z.string() });
const words = code("words", ({ text }: { text: string }) => ({ words: text.split(" ") }));
const count = code("count", ({ words }: { words: string[] }) => ({ n: words.length }));
const label = code("label", (): LabelResult<"a" | "b"> => ({ label: "a", confidence: 1 }));

describe("sequence", () => {
  it("threads each node's output into the next one's input", () => {
    const f = sequence(words, count);
    expectTypeOf(f).toEqualTypeOf<Flow<{ text: string }, { n: number }, never>>();
  });

  it("infers inline callbacks from the node before", () => {
    const f = sequence(
      words,
      code("first", (d) => d.words[0] ?? ""),
    );
    expectTypeOf<FlowOutput<typeof f>>().toEqualTypeOf<string>();
  });

  it("refuses a node that does not take the previous output, at that node", () => {
    // @ts-expect-error `count` reads { words } but `label` gives a LabelResult
    sequence(label, count);
    // @ts-expect-error the third node reads { words } but the second gives { n }
    sequence(words, count, count);
  });

  it("sequenceOf takes a list of nodes of one type", () => {
    const f = sequenceOf([1, 2].map((i) => code(`s${i}`, (x: number) => x + i)));
    expectTypeOf(f).toEqualTypeOf<Flow<number, number, never>>();
    // @ts-expect-error every node of the list must give what it takes
    sequenceOf([code("s", (x: number) => String(x))]);
  });
});

describe("flow(input).pipe", () => {
  it("types the head of a flow from the input schema", () => {
    const f = flow(input)
      .pipe(code("upper", (d) => d.text.toUpperCase()))
      .pipe(code("len", (s) => s.length));
    expectTypeOf<FlowInput<typeof f>>().toEqualTypeOf<{ text: string }>();
    expectTypeOf<FlowOutput<typeof f>>().toEqualTypeOf<number>();
  });

  it("refuses a mis-wired pipe", () => {
    // @ts-expect-error `count` reads { words }, the input is { text }
    flow(input).pipe(count);
  });
});

describe("assign", () => {
  it("adds the node's output under the key and keeps the data", () => {
    const f = flow(input).pipe(
      assign(
        "size",
        code("size", (d) => d.text.length),
      ),
    );
    expectTypeOf<FlowOutput<typeof f>>().toEqualTypeOf<{ text: string; size: number }>();
  });

  it("refuses a node that does not take the data", () => {
    // @ts-expect-error `count` reads { words }, the data is { text }
    flow(input).pipe(assign("n", count));
  });
});

describe("branch", () => {
  it("infers guards and gives the cases' output, or the data when nothing matches", () => {
    const f = flow(input).pipe(branch("b", [{ when: (d) => d.text === "", flow: code("e", () => 0) }]));
    expectTypeOf<FlowOutput<typeof f>>().toEqualTypeOf<number | { text: string }>();
    const g = flow(input).pipe(
      branch("b", [{ when: (d) => d.text === "", flow: code("e", () => 0) }], {
        otherwise: code("o", (d) => d.text.length),
      }),
    );
    expectTypeOf<FlowOutput<typeof g>>().toEqualTypeOf<number>();
  });

  it("refuses a case that does not take the data", () => {
    // @ts-expect-error the case reads { words }, the data is { text }
    flow(input).pipe(branch("b", [{ when: () => true, flow: count }]));
    // @ts-expect-error the guard reads a field the data does not have
    flow(input).pipe(branch("b", [{ when: (d) => d.missing === 1, flow: words }]));
  });
});

describe("cascade", () => {
  it("gives the tiers' label result with a non-null label and the tier", () => {
    const f = flow(input).pipe(cascade("c", [label, { step: label, threshold: 0.5 }]));
    expectTypeOf<FlowOutput<typeof f>["label"]>().toEqualTypeOf<"a" | "b">();
    expectTypeOf<FlowOutput<typeof f>["tier"]>().toEqualTypeOf<string>();
  });

  it("refuses a tier that gives no label and confidence", () => {
    // @ts-expect-error `words` gives { words }, not { label, confidence }
    cascade("c", [label, words]);
    // @ts-expect-error a tier must be a step, not a sequence
    cascade("c", [sequence(label)]);
  });

  it("refuses a tier that does not take the data", () => {
    const first = (d: { words: string[] }) => ({ label: d.words[0] ?? null, confidence: 1 });
    const tier = code("t", first);
    // @ts-expect-error the tier reads { words }, the data is { text }
    flow(input).pipe(cascade("c", [tier]));
  });
});

describe("retry and map", () => {
  it("retry keeps the node's types", () => {
    expectTypeOf(retry(words)).toEqualTypeOf<Flow<{ text: string }, { words: string[] }, never>>();
  });

  it("map runs a node per element and gives the list of outputs", () => {
    const f = flow(input).pipe(
      map("each", { over: (d) => d.text.split(" "), node: code("len", (w: string) => w.length) }),
    );
    expectTypeOf<FlowOutput<typeof f>>().toEqualTypeOf<number[]>();
  });

  it("refuses a map node that does not take the elements", () => {
    // @ts-expect-error the elements are strings, the node reads { words }
    flow(input).pipe(map("each", { over: (d) => d.text.split(" "), node: count }));
  });
});

describe("parallel", () => {
  it("joins the nodes' outputs into an object typed by key", () => {
    const f = parallel({ w: words, l: label });
    expectTypeOf<FlowInput<typeof f>>().toEqualTypeOf<{ text: string }>();
    expectTypeOf<FlowOutput<typeof f>>().toEqualTypeOf<{
      w: { words: string[] };
      l: LabelResult<"a" | "b">;
    }>();
    expectTypeOf<FlowDecision<typeof f>>().toEqualTypeOf<never>();
  });

  it("infers inline callbacks from the position it stands in", () => {
    const f = flow(input)
      .pipe(
        parallel({ upper: code("upper", (d) => d.text.toUpperCase()), n: code("n", (d) => d.text.length) }),
      )
      .pipe(code("both", (d) => `${d.upper}${d.n}`));
    expectTypeOf<FlowOutput<typeof f>>().toEqualTypeOf<string>();
  });

  it('types each key as Settled with onError: "collect"', () => {
    const f = flow(input).pipe(parallel({ w: words }, { onError: "collect" }));
    expectTypeOf<FlowOutput<typeof f>>().toEqualTypeOf<{ w: Settled<{ words: string[] }> }>();
    expectTypeOf<Extract<Settled<number>, { ok: false }>["error"]>().toEqualTypeOf<SerializedError>();
  });

  it("refuses a node that does not take the input, and a wrong use of the joined output", () => {
    // @ts-expect-error `count` reads { words }, the data is { text }
    flow(input).pipe(parallel({ w: words, c: count }));
    flow(input)
      .pipe(parallel({ w: words }))
      // @ts-expect-error the joined output has `w`, not `words`
      .pipe(code("bad", (d) => d.words.length));
    // @ts-expect-error a review inside would pause half the branches
    parallel({ r: review("r", { decision: z.boolean() }) });
  });
});

describe("subchain", () => {
  const inner = defineChain({
    name: "inner",
    version: "1.0.0",
    input: z.object({ text: z.string(), lang: z.string().default("en") }),
    output: z.object({ n: z.number() }),
    flow: flow(z.object({ text: z.string(), lang: z.string().default("en") }))
      .pipe(review("ok", { decision: z.object({ fine: z.boolean() }) }))
      .pipe(code("n", (d) => ({ n: d.text.length }))),
  });

  it("takes the chain's schema input, gives its output and carries its decisions", () => {
    const f = subchain(inner);
    expectTypeOf<FlowInput<typeof f>>().toEqualTypeOf<{ text: string; lang?: string | undefined }>();
    expectTypeOf<FlowOutput<typeof f>>().toEqualTypeOf<{ n: number }>();
    expectTypeOf<FlowDecision<typeof f>>().toEqualTypeOf<{ fine: boolean }>();
    const outer = defineChain({
      name: "outer",
      version: "1.0.0",
      input,
      output: z.object({ n: z.number() }),
      flow: flow(input).pipe(subchain(inner)),
    });
    expectTypeOf<DecisionFrom<typeof outer>>().toEqualTypeOf<{ fine: boolean }>();
  });

  it("refuses a subchain whose input the data is not, or whose output the next node cannot take", () => {
    // @ts-expect-error the data is { words }, the subchain wants { text }
    flow(input).pipe(words).pipe(subchain(inner));
    flow(input)
      .pipe(subchain(inner))
      // @ts-expect-error the subchain gives { n }, `count` reads { words }
      .pipe(count);
  });
});

describe("review and resume", () => {
  const decision = z.object({ approved: z.boolean() });
  const chain = defineChain({
    name: "typed-review",
    version: "1.0.0",
    input,
    output: z.object({ text: z.string(), approved: z.boolean() }),
    flow: flow(input)
      .pipe(review("approve", { decision }))
      .pipe(code("finish", (d) => ({ text: d.text, approved: d.review.approved }))),
  });

  it("types the decision from the schema, in the flow and in resume", () => {
    expectTypeOf<DecisionFrom<typeof chain>>().toEqualTypeOf<{ approved: boolean }>();
    const f = review("r", { decision });
    expectTypeOf<FlowDecision<typeof f>>().toEqualTypeOf<{ approved: boolean }>();
    expectTypeOf(resume(chain, {} as never, { approved: true })).resolves.toEqualTypeOf<
      RunResult<{ text: string; approved: boolean }>
    >();
    // @ts-expect-error the decision schema wants a boolean
    resume(chain, {} as never, { approved: "yes" });
  });

  it("refuses resume on a chain without reviews", () => {
    const plain = defineChain({ name: "plain", version: "1.0.0", input, output: z.unknown(), flow: words });
    // @ts-expect-error no review, so no decision is ever awaited
    resume(plain, {} as never, { approved: true });
  });
});

describe("defineChain and run", () => {
  const chain = defineChain({
    name: "typed",
    version: "1.0.0",
    input,
    output: z.object({ n: z.number() }),
    flow: sequence(words, count),
  });

  it("run and runOrThrow take the input type and give the output type", () => {
    expectTypeOf(run(chain, { text: "a b" })).resolves.toEqualTypeOf<RunResult<{ n: number }>>();
    expectTypeOf(runOrThrow(chain, { text: "a b" })).resolves.toEqualTypeOf<{ n: number }>();
    // @ts-expect-error a number is no { text }
    run(chain, 42);
    // @ts-expect-error the field is missing
    runOrThrow(chain, {});
  });

  it("runBatch takes inputs of the chain's input type and gives its outputs", () => {
    expectTypeOf(runBatch(chain, [{ text: "a" }])).resolves.toEqualTypeOf<BatchSummary<{ n: number }>>();
    // @ts-expect-error the inputs must be the chain's input
    runBatch(chain, [1, 2]);
  });

  it("refuses a last output outside the output schema", () => {
    defineChain({
      name: "typed",
      version: "1.0.0",
      input,
      output: z.object({ n: z.number() }),
      // @ts-expect-error the flow gives { words }, the output schema wants { n }
      flow: words,
    });
  });

  it("refuses a first node that does not take the input schema's output", () => {
    defineChain({
      name: "typed",
      version: "1.0.0",
      input,
      output: z.unknown(),
      // @ts-expect-error `count` reads { words }, the input is { text }
      flow: count,
    });
  });

  it("accepts steps that take any input anywhere", () => {
    const r = regex("r", { rules: [{ label: "x", pattern: /x/ }] });
    const f = flow(input).pipe(assign("r", r));
    expectTypeOf<FlowOutput<typeof f>["text"]>().toEqualTypeOf<string>();
  });
});
