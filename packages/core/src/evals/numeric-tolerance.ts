import { defineEvaluator, type Evaluator } from "./evaluator.ts";

/** Options of {@link numericTolerance}. */
export interface NumericToleranceOptions {
  /** The output and reference field compared. */
  field: string;
  /** Largest accepted difference: absolute, or a share of the reference with `relative`. */
  tolerance: number;
  relative?: boolean;
  key?: string;
}

/**
 * Numeric tolerance: passes when the output field is within `tolerance` of the reference's
 * (absolute, or relative to the reference). Numbers given as text (`"12.5"`) are read as numbers.
 *
 * @example
 * numericTolerance({ field: "total", tolerance: 0.01, relative: true })
 */
export function numericTolerance(options: NumericToleranceOptions): Evaluator {
  const key = options.key ?? `${options.field}_within_tolerance`;
  const { field, tolerance } = options;
  const relative = options.relative === true;
  return defineEvaluator(
    "numeric_tolerance",
    key,
    { field, tolerance, relative },
    ({ output, reference }) => {
      const expected = asNumber(reference?.[field]);
      if (expected === undefined) return { key, score: null, comment: `no reference number in ${field}` };
      const actual = asNumber((output as Record<string, unknown> | undefined)?.[field]);
      if (actual === undefined) return { key, score: false, comment: `no number in the output's ${field}` };
      const allowed = relative ? Math.abs(expected) * tolerance : tolerance;
      const difference = Math.abs(actual - expected);
      return difference <= allowed
        ? { key, score: true }
        : { key, score: false, comment: `${actual} is ${difference} from ${expected} (allowed ${allowed})` };
    },
  );
}

function asNumber(value: unknown): number | undefined {
  const n =
    typeof value === "number"
      ? value
      : typeof value === "string" && value.trim() !== ""
        ? Number(value)
        : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}
