import { describe, expect, it } from "vitest";
import { initialContext } from "../compile/machine-context.ts";
import { stepContext } from "../runtime/run-step.ts";
import type { AnyStep, StepContext } from "../types.ts";
import { canonicalJson } from "../versioning/canonical-json.ts";

/** A sample the contract runs a step kind on. */
export interface StepContractCase {
  /** Builds a fresh step; called twice to check that equal options give equal specs. */
  create: () => AnyStep;
  /** Builds the same kind with one behaviour-changing option changed. */
  createChanged: () => AnyStep;
  input: unknown;
  /** Whether the kind labels (returns `{ label, confidence }`). */
  labels: boolean;
}

/** A step context like the runner's, for calling `run` directly. */
export function contractContext(): StepContext {
  return stepContext({
    runId: "contract",
    chain: { name: "contract", version: "0.0.0", fingerprint: "0" },
    input: initialContext(null).input,
  });
}

/**
 * The conformance test every step kind passes: a serialisable, deterministic spec that changes when
 * behaviour changes, and a `run` that returns (sync or async) the documented shape.
 */
export function runStepContract(kind: string, sample: StepContractCase): void {
  describe(`step kind "${kind}" conforms to the step contract`, () => {
    it("has a name, its kind and the step type", () => {
      const step = sample.create();
      expect(step.type).toBe("step");
      expect(step.kind).toBe(kind);
      expect(step.name).toMatch(/^[A-Za-z][\w-]*$/);
    });

    it("has a plain JSON spec that survives a JSON round trip", () => {
      const { spec } = sample.create();
      expect(JSON.parse(JSON.stringify(spec))).toEqual(spec);
    });

    it("gives equal specs for equal options and another spec when behaviour changes", () => {
      expect(canonicalJson(sample.create().spec)).toBe(canonicalJson(sample.create().spec));
      expect(canonicalJson(sample.createChanged().spec)).not.toBe(canonicalJson(sample.create().spec));
    });

    it("runs on the sample input and returns the same result twice", async () => {
      const step = sample.create();
      const a = await step.run(sample.input as never, contractContext());
      const b = await step.run(sample.input as never, contractContext());
      expect(a).toEqual(b);
      if (sample.labels) {
        const r = a as { label: unknown; confidence: unknown };
        expect(r.label === null || typeof r.label === "string").toBe(true);
        expect(typeof r.confidence).toBe("number");
        expect(r.confidence as number).toBeGreaterThanOrEqual(0);
        expect(r.confidence as number).toBeLessThanOrEqual(1);
      }
    });
  });
}
