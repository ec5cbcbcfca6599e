import { describe, expect, it } from "vitest";
import { wilsonInterval } from "../calibrate/normal-quantile.ts";
import { type AuditReportRun, auditReport } from "./audit-report.ts";

let n = 0;
/** An audit of `tier`'s answer `label` where the LLM said `llm` (undefined: the audit failed). */
function audit(tier: string, label: string, llm: string | undefined, probability?: number): AuditReportRun {
  n++;
  return {
    runId: `a${n}`,
    text: `text ${n}`,
    status: llm === undefined ? "error" : "done",
    ...(llm === undefined ? {} : { label: llm }),
    version: "1.0.0",
    costUsd: 0.001,
    metadata: {
      audit: true,
      audit_of: `r${n}`,
      audit_tier: tier,
      audit_label: label,
      audit_confidence: 0.8,
      ...(probability === undefined ? {} : { audit_probability: probability }),
    },
  };
}

describe("auditReport", () => {
  it("measures each cheap tier's precision as agreement with the LLM, with Wilson's interval", () => {
    const runs = [
      ...Array.from({ length: 18 }, () => audit("linear", "card_arrival", "card_arrival")),
      ...Array.from({ length: 2 }, () => audit("linear", "card_arrival", "lost_or_stolen_card")),
      ...Array.from({ length: 5 }, () => audit("rules", "pin_blocked", "pin_blocked")),
      audit("rules", "pin_blocked", undefined),
      // The chain's own runs and shadow runs are not audits.
      { runId: "own", text: "x", status: "done", label: "card_arrival", metadata: {} },
    ];
    const r = auditReport(runs);
    expect(r).toMatchObject({ audits: 26, failed: 1, versions: ["1.0.0"], level: 0.95 });
    expect(r.costUsd).toBeCloseTo(0.026);
    expect(r.byTier.linear).toMatchObject({
      audits: 20,
      answered: 20,
      agreed: 18,
      precision: 0.9,
      effectiveN: 20,
    });
    expect(r.byTier.linear?.interval).toEqual(wilsonInterval(0.9, 20, 0.95));
    expect(r.byTier.linear?.interval?.low).toBeCloseTo(0.699, 3);
    expect(r.byTier.linear?.interval?.high).toBeCloseTo(0.972, 3);
    expect(r.byTier.rules).toMatchObject({ audits: 6, answered: 5, agreed: 5, precision: 1 });
    expect(r.overall).toMatchObject({ audits: 26, answered: 25, agreed: 23 });
    expect(r.disagreements).toHaveLength(2);
    expect(r.disagreements[0]).toMatchObject({
      tier: "linear",
      label: "card_arrival",
      llmLabel: "lost_or_stolen_card",
    });
  });

  it("weights each audit by 1 / its chance of being audited, and shrinks the effective n", () => {
    // Uncertain answers (audited with p = 0.5) are wrong half the time; sure ones (p = 0.1) never.
    const runs = [
      audit("linear", "a", "a", 0.5),
      audit("linear", "a", "b", 0.5),
      ...Array.from({ length: 2 }, () => audit("linear", "a", "a", 0.1)),
    ];
    const r = auditReport(runs, { level: 0.9 });
    // Weights 2, 2, 10, 10: 22 of 24 agree.
    expect(r.byTier.linear?.precision).toBeCloseTo(22 / 24);
    expect(r.byTier.linear?.effectiveN).toBeCloseTo(24 ** 2 / 208);
    expect(r.level).toBe(0.9);
  });

  it("says nothing about a tier none of whose audits the LLM answered", () => {
    const r = auditReport([audit("neighbours", "a", undefined)]);
    expect(r.byTier.neighbours).toEqual({
      audits: 1,
      answered: 0,
      agreed: 0,
      precision: null,
      interval: null,
      effectiveN: 0,
    });
  });
});
