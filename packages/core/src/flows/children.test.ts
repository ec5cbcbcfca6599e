import { describe, expect, it } from "vitest";
import { code } from "../steps/code-step.ts";
import type { FlowNode } from "../types.ts";
import { cascadeTierNames, children, flowNodes } from "./children.ts";
import { assign, branch, cascade, map, retry, review, sequence } from "./flow-nodes.ts";

const tier = (name: string) => code(name, () => ({ label: name, confidence: 1 }));
const node = (flow: unknown) => flow as FlowNode;

describe("children", () => {
  it("lists what every construct contains, in run order", () => {
    const a = code("a", (x: unknown) => x);
    const b = code("b", (x: unknown) => x);
    expect(children(node(sequence(a, b)))).toEqual([a, b]);
    expect(children(node(branch("r", [{ when: () => true, flow: a }], { otherwise: b })))).toEqual([a, b]);
    expect(children(node(retry(a)))).toEqual([a]);
    expect(children(node(map("m", { over: () => [], node: a })))).toEqual([a]);
    expect(children(node(assign("k", a)))).toEqual([a]);
    expect(children(node(review("ok")))).toEqual([]);
    expect(
      children(node(cascade("c", [tier("t1"), tier("t2")]))).map((n) => (n as { name: string }).name),
    ).toEqual(["t1", "t2"]);
  });

  it("finds a cascade inside a branch (the CLI's own walk used to miss it)", () => {
    const flow = sequence(
      code("prep", (x: unknown) => x),
      branch("route", [{ when: () => true, flow: cascade("intent", [tier("rules"), tier("llm")]) }]),
    );
    expect(cascadeTierNames(node(flow))).toEqual(["rules", "llm"]);
    expect([...flowNodes(node(flow))].map((n) => n.type)).toEqual([
      "sequence",
      "step",
      "branch",
      "cascade",
      "step",
      "step",
    ]);
  });
});
