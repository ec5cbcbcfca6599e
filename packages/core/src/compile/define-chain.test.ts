import { describe, expect, it } from "vitest";
import { z } from "zod";
import { NEVER_ACCEPT } from "../calibrate/threshold-text.ts";
import { ChainDefinitionError } from "../errors/errors.ts";
import { assign, branch, cascade, map, retry, review, sequence } from "../flows/flow-nodes.ts";
import { code } from "../steps/code-step.ts";
import { regex } from "../steps/regex-step.ts";
import { defineChain } from "./define-chain.ts";

const text = z.object({ text: z.string() });
const step = (name: string) => code(name, (x: unknown) => x);

function defineWith(overrides: Record<string, unknown>) {
  return () =>
    defineChain({
      name: "demo",
      version: "1.0.0",
      input: text,
      output: z.unknown(),
      flow: step("a"),
      ...overrides,
    } as never);
}

describe("defineChain validation", () => {
  it("rejects duplicate step names and names the duplicate", () => {
    const define = defineWith({ flow: sequence(step("a"), step("b"), step("a")) });
    expect(define).toThrow(ChainDefinitionError);
    expect(define).toThrow(/"a" is used twice/);
  });

  it("rejects a flow name that clashes with a step name", () => {
    expect(
      defineWith({ flow: sequence(step("route"), branch("route", [], { otherwise: step("b") })) }),
    ).toThrow(/"route" is used twice/);
  });

  it("rejects versions that are not semver", () => {
    expect(defineWith({ version: "1.0" })).toThrow(/version "1.0" is not valid semver/);
    expect(defineWith({ version: "v1.0.0" })).toThrow(ChainDefinitionError);
    expect(defineWith({ version: "1.2.3-rc.1" })).not.toThrow();
    for (const version of ["01.0.0", "1.0.0-01", "1.0.0+build.5", " 1.0.0", "1.0.0-alpha..1"]) {
      expect(defineWith({ version })).toThrow(ChainDefinitionError);
    }
    expect(defineWith({ version: "1.2.3-x-y.7" })).not.toThrow();
  });

  it("rejects chain names that cannot be used on the command line", () => {
    expect(defineWith({ name: "My Chain" })).toThrow(/Chain name "My Chain" is invalid/);
  });

  it("requires input and output schemas and a flow", () => {
    expect(defineWith({ input: undefined })).toThrow(/the input schema is missing/);
    expect(defineWith({ output: {} })).toThrow(/the output schema is missing/);
    expect(defineWith({ flow: undefined })).toThrow(/the flow is missing/);
  });

  it("rejects empty sequences and cascades, bad retry bounds and step names with dots", () => {
    // @ts-expect-error an empty sequence does not type-check either
    expect(defineWith({ flow: sequence() })).toThrow(/a sequence needs at least one node/);
    expect(defineWith({ flow: cascade("c", []) })).toThrow(/cascade "c" has no tiers/);
    // A tier that is not a step cannot give a label: refused when the cascade is built.
    // @ts-expect-error a sequence is no labelling step
    expect(() => cascade("c", [sequence(step("a"))])).toThrow(
      /tier 1 is a sequence; every tier must be a step/,
    );
    expect(defineWith({ flow: retry(step("a"), { attempts: 0 }) })).toThrow(/needs attempts >= 1/);
    expect(defineWith({ flow: step("a.b") })).toThrow(/the name "a.b" is not allowed/);
  });

  it("rejects a branch with no case and no otherwise, which would pass its data through unnoticed", () => {
    expect(defineWith({ flow: branch("route", []) })).toThrow(
      /branch "route" has no cases and no otherwise; give it at least one case/,
    );
    expect(defineWith({ flow: branch("route", [], { otherwise: step("b") }) })).not.toThrow();
  });

  it("rejects a cascade threshold outside 0..1 where the cascade is built, except NEVER_ACCEPT", () => {
    const rules = regex("rules", { rules: [{ label: "x", pattern: /x/, confidence: 1 }] });
    expect(() => cascade("c", [{ step: rules, threshold: 97 }])).toThrow(
      /Cascade "c": tier 1 \("rules"\) has threshold 97; a threshold is a confidence from 0 to 1 \(for 97%, write 0\.97\)/,
    );
    expect(() => cascade("c", [{ step: rules, threshold: -0.1 }])).toThrow(ChainDefinitionError);
    expect(() => cascade("c", [{ step: rules, threshold: Number.NaN }])).toThrow(/threshold NaN/);
    for (const threshold of [0, 0.5, 1, NEVER_ACCEPT]) {
      expect(() => cascade("c", [{ step: rules, threshold }])).not.toThrow();
    }
  });

  it("exports NEVER_ACCEPT, which the threshold error tells users to write, from the engine entry", async () => {
    // Only @catena/core/ml had it: a user of cascade() had to load the ML entry for a constant.
    const engine: Record<string, unknown> = await import("../index.ts");
    expect(engine.NEVER_ACCEPT).toBe(NEVER_ACCEPT);
  });

  it("rejects a review inside a map, since a review pauses the whole run", () => {
    expect(defineWith({ flow: map("each", { over: () => [], node: review("ok") }) })).toThrow(
      /contains a review/,
    );
  });

  it("errors carry the CHAIN_DEFINITION code and structured details", () => {
    try {
      defineWith({ flow: sequence(step("x"), step("x")) })();
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: "CHAIN_DEFINITION", details: { chain: "demo", name: "x" } });
    }
  });
});

describe("compiled machine", () => {
  const chain = defineChain({
    name: "triage",
    version: "1.0.0",
    input: text,
    output: z.unknown(),
    flow: sequence(
      step("normalize"),
      assign(
        "intent",
        cascade("intent", [
          regex("rules", { rules: [{ label: "refund", pattern: /refund/ }] }),
          code("guess", () => ({ label: "other", confidence: 0.5 })),
        ]),
      ),
      branch(
        "route",
        [
          {
            label: "refund",
            when: (d) => d.intent.label === "refund",
            flow: step("refund"),
          },
        ],
        {
          otherwise: retry(step("general"), { attempts: 2 }),
        },
      ),
    ),
  });

  it("is an xstate machine with a state per step and flow construct", () => {
    expect(Object.keys(chain.machine.root.states).sort()).toEqual(
      [
        "$deferred",
        "$done",
        "$failed",
        "general",
        "general-retry-backoff",
        "guess",
        "intent",
        "normalize",
        "refund",
        "route",
        "rules",
      ].sort(),
    );
    expect(chain.machine.config.initial).toBe("normalize");
  });

  it("lists its steps in definition order", () => {
    expect(chain.steps.map((s) => s.name)).toEqual(["normalize", "rules", "guess", "refund", "general"]);
  });

  it("draws the machine as a Mermaid state diagram with guards on the edges", () => {
    const mermaid = chain.toMermaid();
    expect(mermaid.startsWith("stateDiagram-v2\n")).toBe(true);
    expect(mermaid).toContain('state "rules (regex, tier)"');
    expect(mermaid).toContain(": confidence >= 0");
    expect(mermaid).toContain(": refund");
    expect(mermaid).toContain(": otherwise");
    expect(mermaid).toContain('state "general-retry-backoff (backoff)"');
    expect(mermaid).toMatch(/\[\*\] --> s\d+/);
  });
});
