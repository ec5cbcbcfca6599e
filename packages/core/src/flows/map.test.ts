import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineChain } from "../compile/define-chain.ts";
import { ChainDefinitionError } from "../errors/errors.ts";
import { run } from "../runtime/runner.ts";
import { code } from "../steps/code-step.ts";
import { flow } from "./flow-nodes.ts";
import { map } from "./map.ts";

const input = z.object({ words: z.array(z.string()) });
const upper = code("upper", (w: string) => w.toUpperCase());

describe("map", () => {
  it("runs its node over every element, in input order", async () => {
    const chain = defineChain({
      name: "map-upper",
      version: "1.0.0",
      input,
      output: z.array(z.string()),
      flow: flow(input).pipe(map("each", { over: (d) => d.words, node: upper, concurrency: 2 })),
    });
    const r = await run(chain, { words: ["a", "b", "c"] });
    expect(r.status === "done" ? r.output : r).toEqual(["A", "B", "C"]);
  });

  it.each([0, -1, 1.5, Number.NaN])(
    "refuses concurrency %s when defined, instead of running no item and giving holes",
    (concurrency) => {
      expect(() =>
        map("each", { over: (d: { words: string[] }) => d.words, node: upper, concurrency }),
      ).toThrow(ChainDefinitionError);
      expect(() =>
        map("each", { over: (d: { words: string[] }) => d.words, node: upper, concurrency }),
      ).toThrow(/map "each": concurrency must be a whole number >= 1/);
    },
  );

  it("refuses, from untyped JavaScript, a map without node or over, naming the option and the fix", () => {
    const untyped = map as (name: string, options?: unknown) => unknown;
    expect(() => untyped("each", { over: (d: { words: string[] }) => d.words })).toThrow(
      ChainDefinitionError,
    );
    expect(() => untyped("each", { over: (d: { words: string[] }) => d.words })).toThrow(
      /^map "each": "node" must be the step or flow run on each element, got undefined; e\.g\. map\("each", \{ over: \(d\) => d\.lines, node: step \}\)\.$/,
    );
    expect(() => untyped("each", { node: upper })).toThrow(
      /^map "each": "over" must be a function .*, got undefined;/,
    );
    expect(() => untyped("each")).toThrow(/^map "each": "over" must be a function/);
  });
});
