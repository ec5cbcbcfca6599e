import type { GateCheck } from "@catena/core/evals";

/** Metrics that compare the candidate with the current version: trivially failed by an identical one. */
const RELATIVE_METRICS: ReadonlySet<string> = new Set(["regressions", "improvements", "p_value"]);

/**
 * The failed gate conditions that do not compare the candidate with the current version
 * (`precision>=0.97`, not `traffic_llm_share_delta<0` nor `regressions<=3`). A candidate identical
 * to the current version fails a relative condition by being identical, which is no failure; it
 * fails an absolute one because the current version does too, which a CI gate must still see.
 */
export function absoluteGateFailures(gate: readonly GateCheck[]): GateCheck[] {
  return gate.filter((c) => !c.passed && !RELATIVE_METRICS.has(c.metric) && !c.metric.endsWith("_delta"));
}
