import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineChain } from "../compile/define-chain.ts";
import { cascade } from "../flows/flow-nodes.ts";
import { code } from "../steps/code-step.ts";
import { NEVER_ACCEPT } from "./calibrate.ts";
import { thresholdText } from "./threshold-text.ts";

describe("thresholdText", () => {
  it("rounds to three decimals, and says never for a tier that accepts nothing", () => {
    expect(thresholdText(0.7451373972814536)).toBe("0.745");
    expect(thresholdText(0.95)).toBe("0.95");
    expect(thresholdText(0.99996)).toBe("1");
    expect(thresholdText(0)).toBe("0");
    expect(thresholdText(NEVER_ACCEPT)).toBe("never");
    expect(thresholdText(null)).toBe("never");
  });
});

describe("thresholds in a chain's drawing", () => {
  it("are rounded, and a tier that accepts nothing says never", () => {
    const chain = defineChain({
      name: "rounded",
      version: "1.0.0",
      input: z.object({ text: z.string() }),
      output: z.unknown(),
      flow: cascade("route", [
        { step: code("first", () => ({ label: "a", confidence: 0.8 })), threshold: 0.7451373972814536 },
        { step: code("second", () => ({ label: "b", confidence: 0.8 })), threshold: NEVER_ACCEPT },
        code("last", () => ({ label: "c", confidence: 1 })),
      ]),
    });
    const mermaid = chain.toMermaid();
    expect(mermaid).toContain(": confidence >= 0.745\n");
    expect(mermaid).not.toContain("0.7451");
    expect(mermaid).toMatch(/: never\n/);
    expect(mermaid).not.toContain("confidence >= 2");
  });
});
