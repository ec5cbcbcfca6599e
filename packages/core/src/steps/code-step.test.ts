import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineChain } from "../compile/define-chain.ts";
import type { AnyFlow, Flow } from "../flows/flow-types.ts";
import { code } from "./code-step.ts";
import { runStepContract } from "./step-contract.case.ts";

runStepContract("code", {
  create: () => code("double", (n: number) => n * 2),
  createChanged: () => code("double", (n: number) => n * 3),
  input: 21,
  labels: false,
});

describe("code step", () => {
  it("fingerprints captured values given in `spec`", () => {
    const make = (factor: number) => code("scale", (n: number) => n * factor, { spec: { factor } });
    expect(make(2).spec).not.toEqual(make(3).spec);
  });

  it("ignores whitespace and type annotations in the source it fingerprints", () => {
    const a = code("f", (n: number) => n + 1);
    // biome-ignore format: the spacing is the point of the test
    const b = code("f", (n: number)   =>   n   +   1);
    expect(a.spec).toEqual(b.spec);
  });
});

describe("code step: names read from outside the function", () => {
  const LIMIT = 3;
  const STOP = ["a", "the"];
  function clip(s: string): string {
    return s.slice(0, LIMIT);
  }

  /** A chain of one step, and its fingerprint read: what `catena lock`, traces and checkpoints do. */
  function fingerprinted(step: AnyFlow): string {
    const chain = defineChain({
      name: "t",
      version: "1.0.0",
      input: z.unknown(),
      output: z.unknown(),
      flow: step as Flow<unknown, unknown, unknown>,
    });
    return chain.fingerprint;
  }

  /** The CATENA_UNDECLARED_READS warnings emitted while `define` runs. */
  async function warningsOf(define: () => unknown): Promise<Error[]> {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    try {
      define();
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("warning", onWarning);
    }
    return warnings.filter((w) => (w as { code?: string }).code === "CATENA_UNDECLARED_READS");
  }

  it("warns once, naming the undeclared names and the fix", async () => {
    const fn = (s: string) =>
      clip(s)
        .split(" ")
        .filter((w) => !STOP.includes(w));
    const warnings = await warningsOf(() => {
      fingerprinted(code("words", fn));
      fingerprinted(code("words", fn)); // the same function again (a chain built twice): no second warning
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(/^code step "words" reads STOP, clip from outside its function/);
    expect(warnings[0]?.message).toContain("deps: [STOP]");
    expect(warnings[0]?.message).toContain("spec: { STOP: … }");
  });

  it("is quiet when deps and spec declare every name", async () => {
    const warnings = await warningsOf(() => {
      fingerprinted(
        code(
          "words",
          (s: string) =>
            clip(s)
              .split(" ")
              .filter((w) => !STOP.includes(w)),
          {
            deps: [clip],
            spec: { STOP },
          },
        ),
      );
    });
    expect(warnings).toEqual([]);
  });

  it("names only what is left undeclared", async () => {
    const warnings = await warningsOf(() => {
      fingerprinted(code("count", (s: string) => clip(s).length + LIMIT, { deps: [clip] }));
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(/^code step "count" reads LIMIT from outside/);
  });

  it("does not warn about parameters, locals, the step context or globals", async () => {
    const warnings = await warningsOf(() => {
      fingerprinted(
        code("pure", async ({ text }: { text: string }, ctx) => {
          const words = text.split(/\s+/);
          await new Promise((resolve) => setTimeout(resolve, 0));
          return {
            n: Math.max(words.length, 0),
            at: JSON.stringify(new Date(0)),
            aborted: ctx.signal.aborted,
          };
        }),
      );
    });
    expect(warnings).toEqual([]);
  });

  it("reads the source only when the fingerprint is computed, so defining and running a chain stays cheap", async () => {
    const fn = (s: string) => clip(s).length * LIMIT;
    const chain = await (async () => {
      let defined: ReturnType<typeof defineChain> | undefined;
      const atDefinition = await warningsOf(() => {
        defined = defineChain({
          name: "lazy",
          version: "1.0.0",
          input: z.string(),
          output: z.number(),
          flow: code("lazy-step", fn),
        });
      });
      expect(atDefinition).toEqual([]);
      return defined as NonNullable<typeof defined>;
    })();
    const atFingerprint = await warningsOf(() => chain.fingerprint);
    expect(atFingerprint).toHaveLength(1);
    expect(atFingerprint[0]?.message).toMatch(/^code step "lazy-step" reads LIMIT, clip/);
    expect(await warningsOf(() => chain.fingerprint)).toEqual([]);
  });
});
