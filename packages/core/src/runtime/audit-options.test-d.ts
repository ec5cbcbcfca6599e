import { describe, expectTypeOf, it } from "vitest";
import type { BatchAudits, BatchOptions, BatchSummary } from "../batch/batch-types.ts";
import type { CascadeOptions } from "../flows/cascade.ts";
import type { AuditPick, CascadeAuditOptions, Usage } from "../types.ts";
import type { AuditOptions, AuditOutcome } from "./audit-options.ts";
import type { RunOptions } from "./run-types.ts";

describe("audit sampling's types", () => {
  it("is an option of run, runBatch and the cascade; the listener is the run's alone", () => {
    expectTypeOf<{ audit: { share: 0.3; pick: "uncertain"; seed: 13 } }>().toExtend<RunOptions>();
    expectTypeOf<{ audit: { share: 0.3 } }>().toExtend<BatchOptions>();
    expectTypeOf<{ audit: { share: 0.1; timeoutMs: 5000 } }>().toExtend<CascadeOptions>();
    expectTypeOf<{ audit: { onAudit: (a: AuditOutcome) => void } }>().toExtend<RunOptions>();
    expectTypeOf<{ audit: { onAudit: () => void } }>().not.toExtend<CascadeOptions>();
    expectTypeOf<CascadeAuditOptions>().not.toHaveProperty("onAudit");
    expectTypeOf<AuditOptions>().toExtend<CascadeAuditOptions>();
  });

  it("picks random or uncertain, nothing else; the share is a number", () => {
    expectTypeOf<AuditPick>().toEqualTypeOf<"random" | "uncertain">();
    expectTypeOf<{ audit: { pick: "lowest" } }>().not.toExtend<RunOptions>();
    expectTypeOf<{ audit: { share: "30%" } }>().not.toExtend<RunOptions>();
  });

  it("refuses wrong audit options where they are written", () => {
    const picked: RunOptions = {
      // @ts-expect-error a pick is "random" or "uncertain"
      audit: { share: 0.1, pick: "lowest" },
    };
    const percent: BatchOptions = {
      // @ts-expect-error a share is a number (0.3), not a percentage string
      audit: { share: "30%" },
    };
    const listened: CascadeOptions = {
      // @ts-expect-error a cascade's own audit options take no listener: it is a run's
      audit: { share: 0.1, onAudit: () => {} },
    };
    // @ts-expect-error an outcome's listener is given an AuditOutcome, not a string
    const heard: AuditOptions = { onAudit: (a: string) => a };
    expectTypeOf([picked, percent, listened, heard]).toBeArray();
  });

  it("tells each audit's labels, agreement, weight and spend", () => {
    expectTypeOf<AuditOutcome["auditLabel"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<AuditOutcome["agreed"]>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<AuditOutcome["auditAccepted"]>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<AuditOutcome["probability"]>().toEqualTypeOf<number>();
    expectTypeOf<AuditOutcome["usage"]>().toEqualTypeOf<Usage>();
    expectTypeOf<AuditOutcome["status"]>().toEqualTypeOf<"done" | "deferred" | "waiting" | "error">();
  });

  it("counts a batch's audits apart from its usage", () => {
    expectTypeOf<BatchSummary["audits"]>().toEqualTypeOf<BatchAudits | undefined>();
    expectTypeOf<BatchAudits["usage"]>().toEqualTypeOf<Usage>();
    expectTypeOf<BatchAudits["byTier"]>().toEqualTypeOf<Record<string, { calls: number; agreed: number }>>();
  });
});
