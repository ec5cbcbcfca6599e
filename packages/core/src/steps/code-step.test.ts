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
