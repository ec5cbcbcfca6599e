import { describe, expect, it } from "vitest";
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

  /** The CATENA_UNDECLARED_READS warnings emitted while `define` runs. */
  async function warningsOf(define: () => void): Promise<Error[]> {
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
      code("words", fn);
      code("words", fn); // the same function again (a chain built twice): no second warning
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(/^code step "words" reads STOP, clip from outside its function/);
    expect(warnings[0]?.message).toContain("deps: [STOP]");
    expect(warnings[0]?.message).toContain("spec: { STOP: … }");
  });

  it("is quiet when deps and spec declare every name", async () => {
    const warnings = await warningsOf(() => {
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
      );
    });
    expect(warnings).toEqual([]);
  });

  it("names only what is left undeclared", async () => {
    const warnings = await warningsOf(() => {
      code("count", (s: string) => clip(s).length + LIMIT, { deps: [clip] });
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(/^code step "count" reads LIMIT from outside/);
  });

  it("does not warn about parameters, locals, the step context or globals", async () => {
    const warnings = await warningsOf(() => {
      code("pure", async ({ text }: { text: string }, ctx) => {
        const words = text.split(/\s+/);
        await new Promise((resolve) => setTimeout(resolve, 0));
        return { n: Math.max(words.length, 0), at: JSON.stringify(new Date(0)), aborted: ctx.signal.aborted };
      });
    });
    expect(warnings).toEqual([]);
  });
});
