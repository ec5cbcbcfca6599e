import { EvalsError } from "./evals-error.ts";

/** One gate condition, e.g. `accuracy>=0.9`. */
export interface GateCondition {
  metric: string;
  operator: ">=" | "<=" | ">" | "<" | "==";
  value: number;
  /** The condition as written. */
  text: string;
}

/** How one condition fared. */
export interface GateCheck extends GateCondition {
  actual: number;
  passed: boolean;
}

/**
 * Parses a gate: conditions separated by commas, each `<metric><op><number>` with op one of
 * `>=`, `<=`, `>`, `<`, `==`; numbers may be percentages (`90%`).
 *
 * @example
 * parseGate("accuracy>=0.9,regressions<=3")
 */
export function parseGate(text: string): GateCondition[] {
  const parts = text
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
  if (parts.length === 0) throw gateError(text, "it has no condition");
  return parts.map((part) => {
    const match = /^([A-Za-z_][\w.-]*)\s*(>=|<=|==|>|<)\s*(-?\d+(?:\.\d+)?)(%?)$/.exec(part);
    if (!match) throw gateError(text, `"${part}" is not <metric><op><number>`);
    const value = Number(match[3]) / (match[4] === "%" ? 100 : 1);
    return { metric: match[1] as string, operator: match[2] as GateCondition["operator"], value, text: part };
  });
}

/**
 * Checks gate conditions against a report's metrics. A metric the report lacks is an error that
 * lists the metrics there are (a typo must not pass a gate).
 */
export function checkGate(
  conditions: readonly GateCondition[],
  metrics: Readonly<Record<string, number>>,
): GateCheck[] {
  assertGateMetrics(conditions, Object.keys(metrics));
  return conditions.map((c) => {
    const actual = metrics[c.metric] as number;
    return { ...c, actual, passed: compare(actual, c.operator, c.value) };
  });
}

/**
 * Throws `GATE_INVALID` for the first condition on a metric not in `available`, listing those
 * there are: called with the names a report will have, it refuses a typo before the run.
 */
export function assertGateMetrics(conditions: readonly GateCondition[], available: readonly string[]): void {
  for (const c of conditions) {
    if (!available.includes(c.metric)) {
      throw new EvalsError(
        "GATE_INVALID",
        `gate condition "${c.text}": no metric ${c.metric} in this report (metrics: ${[...available].sort().join(", ")}).`,
        { details: { metric: c.metric, available: [...available] } },
      );
    }
  }
}

function compare(actual: number, operator: GateCondition["operator"], value: number): boolean {
  // A tiny tolerance so that 0.9 computed as 0.8999999 passes `>=0.9`.
  const eps = 1e-9;
  switch (operator) {
    case ">=":
      return actual >= value - eps;
    case "<=":
      return actual <= value + eps;
    case ">":
      return actual > value;
    case "<":
      return actual < value;
    case "==":
      return Math.abs(actual - value) <= eps;
  }
}

function gateError(text: string, why: string): EvalsError {
  return new EvalsError(
    "GATE_INVALID",
    `--gate "${text}": ${why}; write conditions like "accuracy>=0.9,regressions<=3".`,
    { details: { gate: text } },
  );
}
