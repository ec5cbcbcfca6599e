import { checkGate, parseGate } from "@catena/core/evals";
import { describe, expect, it } from "vitest";
import { absoluteGateFailures } from "./absolute-gate-failures.ts";

describe("absoluteGateFailures", () => {
  it("keeps the failed conditions on the candidate's own figures, not those comparing it with the current version", () => {
    const gate = checkGate(
      parseGate(
        "precision>=0.97,llm_share<=0.2,regressions<=0,traffic_llm_share_delta<0,p_value<0.05,accuracy>=0.5",
      ),
      {
        precision: 0.9,
        llm_share: 0.3,
        regressions: 2,
        traffic_llm_share_delta: 0,
        p_value: 1,
        accuracy: 0.8,
      },
    );
    expect(absoluteGateFailures(gate).map((c) => c.text)).toEqual(["precision>=0.97", "llm_share<=0.2"]);
  });
});
