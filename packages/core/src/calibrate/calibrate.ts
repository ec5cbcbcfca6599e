import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { z } from "zod";
import type { AnyChain } from "../compile/chain.ts";
import { defineChain } from "../compile/define-chain.ts";
import { initialContext } from "../compile/machine-context.ts";
import { ChainDefinitionError, schemaIssues } from "../errors/errors.ts";
import { DatasetError } from "../errors/ml-errors.ts";
import { sequence } from "../flows/flow-nodes.ts";
import { stepContext } from "../runtime/run-step.ts";
import { run } from "../runtime/runner.ts";
import type { AnyStep, LabelResult, StepContext } from "../types.ts";
import { findCascade } from "./find-cascade.ts";
import { pickThreshold, type ScoredAnswer } from "./pick-threshold.ts";
import { NEVER_ACCEPT } from "./threshold-text.ts";

/** A labelled dev item: a chain input and the label the cascade should give it. */
export interface CalibrationItem {
  input: unknown;
  label: string;
  /**
   * How much the item counts when thresholds are chosen (default 1): a label people checked can
   * count more than an LLM's, which is sometimes wrong.
   */
  weight?: number;
}

/** Options of {@link calibrate}. */
export interface CalibrateOptions {
  /** Precision the accepted answers of each tier must reach on the dev set, in (0, 1]. */
  targetPrecision: number;
  /** Name of the cascade to calibrate (default: the chain's only cascade). */
  cascade?: string;
  /**
   * Tiers to calibrate, by step name, in cascade order (default: every tier whose kind is not
   * `"llm"`, so that calibrating never calls a paid model). The tiers after them are "the rest".
   */
  tiers?: readonly string[];
  /** Cost of one item answered by the last (LLM) tier, to report the saving against an LLM-only chain. */
  llmCostPerItemUsd?: number;
  /** Fewest dev items a tier must accept for its threshold to count (default 1). */
  minAccepted?: number;
  /**
   * One-sided confidence with which each tier's precision must reach the target (default 0: the
   * point estimate). With 0.9, a threshold counts only when Wilson's lower bound on the precision
   * of what it accepts reaches the target, so that the target holds on unseen items too.
   */
  precisionBound?: number;
  /** Computes the cascade's input from a dev item's input, when it cannot be derived from the flow. */
  inputOf?: (input: unknown) => unknown | Promise<unknown>;
}

/** What one tier does with the chosen threshold on the dev set. */
export interface TierCalibration {
  tier: string;
  kind: string;
  /** Lowest accepted confidence, or null when no threshold reaches the target (the tier never answers). */
  threshold: number | null;
  /** Dev items that reached this tier (not accepted by an earlier one). */
  seen: number;
  accepted: number;
  /** Accepted items as a share of all dev items (by weight, when the items carry weights). */
  coverage: number;
  /**
   * Share of accepted items with the right label (null when none accepted); by weight when the
   * items carry weights, since that is the precision the threshold was chosen for.
   */
  precision: number | null;
}

/**
 * A reason to doubt a calibration: too few dev items to tell the target precision apart. By the
 * rule of three, n answers without a single mistake show an error rate below 3/n with 95%
 * confidence, so showing precision p needs at least 3 / (1 - p) accepted items (100 for 0.97).
 */
export interface CalibrationWarning {
  code: "DEV_SET_TOO_SMALL" | "TOO_FEW_ACCEPTED";
  /** The tier, for `TOO_FEW_ACCEPTED`. */
  tier?: string;
  /** Items counted: the dev set's, or those the tier accepted. */
  count: number;
  /** Items needed for the target precision (null for a target of 1, which no finite set shows). */
  needed: number | null;
  message: string;
}

/** Thresholds for a cascade and how they do on the dev set. */
export interface CalibrationResult {
  cascade: string;
  targetPrecision: number;
  items: number;
  /**
   * Threshold per calibrated tier, by step name: data for the chain definition (see
   * `writeThresholds`/`readThresholds`). A tier that cannot reach the target gets {@link NEVER_ACCEPT}.
   */
  thresholds: Record<string, number>;
  tiers: TierCalibration[];
  /** All calibrated tiers together (coverage and precision by weight, as for each tier). */
  accepted: { count: number; coverage: number; precision: number | null };
  /** Reasons to doubt the thresholds (a dev set too small for the target precision); empty when none. */
  warnings: CalibrationWarning[];
  /** Items no calibrated tier accepted: they go on to the next tiers (the LLM). */
  rest: { count: number; share: number; tiers: string[] };
  /** With `llmCostPerItemUsd`: LLM spend of the dev set for an LLM-only chain and for the cascade. */
  cost?: {
    llmOnlyUsd: number;
    cascadeUsd: number;
    savedUsd: number;
    savedShare: number;
    savedPer1000ItemsUsd: number;
  };
}

export { NEVER_ACCEPT };

/** Dev items a tier answers between two turns of the event loop. */
const YIELD_EVERY = 64;

/**
 * Chooses each cascade tier's threshold on a labelled dev set so that the answers it accepts reach
 * `targetPrecision` while covering as many items as possible. Tiers are calibrated in cascade
 * order, each on the items the earlier tiers did not accept, exactly as the cascade will see them.
 * Only the calibrated tiers run (by default every tier but `llm` ones); the report gives per tier
 * coverage and precision, the share left to the rest, and the LLM spend saved; `warnings` says when
 * the dev set, or the items a tier accepts, are too few to show the target precision. Tune on dev only.
 *
 * @example
 * const result = await calibrate(chain, dev, { targetPrecision: 0.97, llmCostPerItemUsd: 0.0004 });
 * writeThresholds("artifacts/thresholds.json", result); // read back by the chain definition
 */
export async function calibrate(
  chain: AnyChain,
  devSet: readonly CalibrationItem[],
  options: CalibrateOptions,
): Promise<CalibrationResult> {
  const target = options.targetPrecision;
  if (!(target > 0 && target <= 1)) {
    throw new RangeError(`calibrate: targetPrecision must be in (0, 1], got ${target}`);
  }
  const bound = options.precisionBound ?? 0;
  if (!(bound >= 0 && bound < 1)) {
    throw new RangeError(`calibrate: precisionBound must be in [0, 1), got ${bound}`);
  }
  if (devSet.length === 0) {
    throw new DatasetError("calibrate: the dev set is empty; give labelled items ({ input, label }).");
  }
  const badWeight = devSet.findIndex(
    (item) => item.weight !== undefined && !(Number.isFinite(item.weight) && item.weight >= 0),
  );
  if (badWeight >= 0) {
    const item = devSet[badWeight] as CalibrationItem;
    throw new DatasetError(
      `calibrate: dev item ${badWeight} has weight ${item.weight}; a weight must be a finite number >= 0 (0 leaves the item out).`,
      { problems: [{ index: badWeight, label: item.label }] },
    );
  }
  if (bound > 0 && target === 1) {
    throw new RangeError(
      "calibrate: a precisionBound above 0 cannot show a targetPrecision of 1 (no lower bound reaches 1); lower the target or set precisionBound to 0.",
    );
  }
  const located = findCascade(chain.name, chain.flow, options.cascade);
  const cascade = located.cascade;
  if (located.before === null && !options.inputOf) {
    throw new ChainDefinitionError(
      `calibrate: cascade "${cascade.name}" of chain "${chain.name}" is inside ${located.inside}, so its input depends on the path taken; give the \`inputOf\` option to compute its input from a dev item.`,
      { details: { chain: chain.name, cascade: cascade.name, inside: located.inside } },
    );
  }
  const names = options.tiers ?? cascade.tiers.filter((t) => t.step.kind !== "llm").map((t) => t.step.name);
  const tiers = names.map((name) => {
    const tier = cascade.tiers.find((t) => t.step.name === name);
    if (!tier) {
      throw new RangeError(
        `calibrate: cascade "${cascade.name}" has no tier "${name}" (tiers: ${cascade.tiers.map((t) => t.step.name).join(", ")})`,
      );
    }
    return tier.step;
  });
  const inputs = await cascadeInputs(chain, located.before ?? [], devSet, options.inputOf);
  const ctx = calibrationContext(chain);

  let pending = devSet.map((_, i) => i);
  const thresholds: Record<string, number> = {};
  const reports: TierCalibration[] = [];
  let acceptedCount = 0;
  let acceptedWeight = 0;
  let acceptedRightWeight = 0;
  const totalWeight = devSet.reduce((sum, item) => sum + (item.weight ?? 1), 0);
  for (const step of tiers) {
    const answers: ScoredAnswer[] = [];
    for (const [n, i] of pending.entries()) {
      // A tier's answers come without I/O, each a promise already settled: without a turn of the
      // event loop now and then, a Ctrl-C (and every timer) would wait for the whole dev set.
      if (n > 0 && n % YIELD_EVERY === 0) await yieldToEventLoop();
      const result = (await (step as AnyStep).run(inputs[i] as never, ctx)) as LabelResult;
      const label = result?.label ?? null;
      answers.push({
        confidence: typeof result?.confidence === "number" ? result.confidence : 0,
        answered: label !== null,
        correct: label !== null && label === (devSet[i] as CalibrationItem).label,
        weight: (devSet[i] as CalibrationItem).weight ?? 1,
      });
    }
    const choice = pickThreshold(answers, target, {
      minAccepted: options.minAccepted ?? 1,
      precisionBound: options.precisionBound ?? 0,
    });
    thresholds[step.name] = choice.threshold ?? NEVER_ACCEPT;
    let weight = 0;
    let rightWeight = 0;
    if (choice.threshold !== null) {
      for (const a of answers) {
        if (!(a.answered && a.confidence >= choice.threshold)) continue;
        weight += a.weight ?? 1;
        if (a.correct) rightWeight += a.weight ?? 1;
      }
    }
    reports.push({
      tier: step.name,
      kind: step.kind,
      threshold: choice.threshold,
      seen: pending.length,
      accepted: choice.accepted,
      coverage: totalWeight > 0 ? weight / totalWeight : 0,
      precision: weight > 0 ? rightWeight / weight : null,
    });
    acceptedCount += choice.accepted;
    acceptedWeight += weight;
    acceptedRightWeight += rightWeight;
    if (choice.threshold !== null) {
      const bar = choice.threshold;
      pending = pending.filter((_, j) => {
        const a = answers[j] as ScoredAnswer;
        return !(a.answered && a.confidence >= bar);
      });
    }
  }
  const restTiers = cascade.tiers.map((t) => t.step.name).filter((n) => !names.includes(n));
  const result: CalibrationResult = {
    cascade: cascade.name,
    targetPrecision: target,
    items: devSet.length,
    thresholds,
    tiers: reports,
    accepted: {
      count: acceptedCount,
      coverage: totalWeight > 0 ? acceptedWeight / totalWeight : 0,
      precision: acceptedWeight > 0 ? acceptedRightWeight / acceptedWeight : null,
    },
    rest: { count: pending.length, share: pending.length / devSet.length, tiers: restTiers },
    warnings: sizeWarnings(target, devSet.length, reports),
  };
  if (options.llmCostPerItemUsd !== undefined) {
    const c = options.llmCostPerItemUsd;
    const llmOnlyUsd = devSet.length * c;
    const cascadeUsd = pending.length * c;
    result.cost = {
      llmOnlyUsd,
      cascadeUsd,
      savedUsd: llmOnlyUsd - cascadeUsd,
      savedShare: llmOnlyUsd > 0 ? (llmOnlyUsd - cascadeUsd) / llmOnlyUsd : 0,
      savedPer1000ItemsUsd: ((llmOnlyUsd - cascadeUsd) / devSet.length) * 1000,
    };
  }
  return result;
}

/**
 * Accepted items needed to show `target` precision with 95% confidence (rule of three: no mistake
 * in n items bounds the error rate by 3/n); null for a target of 1.
 */
export function itemsNeededFor(target: number): number | null {
  if (target >= 1) return null;
  // The epsilon keeps 3 / 0.03 (100.00000000000001 in floating point) at 100.
  return Math.ceil(3 / (1 - target) - 1e-9);
}

function sizeWarnings(
  target: number,
  items: number,
  tiers: readonly TierCalibration[],
): CalibrationWarning[] {
  const needed = itemsNeededFor(target);
  const shown = `${Number((target * 100).toFixed(2))}% precision`;
  const why =
    needed === null
      ? "no finite dev set shows 100% precision; aim lower (0.99 needs 300 accepted items)"
      : `at least ${needed} accepted items are needed to show it with 95% confidence, even with no mistake`;
  const warnings: CalibrationWarning[] = [];
  if (needed === null || items < needed) {
    warnings.push({
      code: "DEV_SET_TOO_SMALL",
      count: items,
      needed,
      message: `the dev set has ${items} items, too few for ${shown}: ${why}; add labelled dev items or lower the target precision.`,
    });
  }
  if (needed === null) return warnings;
  for (const t of tiers) {
    if (t.threshold === null || t.accepted >= needed) continue;
    warnings.push({
      code: "TOO_FEW_ACCEPTED",
      tier: t.tier,
      count: t.accepted,
      needed,
      message: `tier "${t.tier}" accepted ${t.accepted} dev items, too few to show ${shown}: ${why}; its threshold is a guess until the dev set grows.`,
    });
  }
  return warnings;
}

/** The cascade's input for each dev item: the chain's validated input run through the nodes before it. */
async function cascadeInputs(
  chain: AnyChain,
  before: readonly unknown[],
  devSet: readonly CalibrationItem[],
  inputOf: CalibrateOptions["inputOf"],
): Promise<unknown[]> {
  const prefix =
    before.length > 0 && !inputOf
      ? defineChain({
          name: `${chain.name}-calibration`,
          version: chain.version,
          input: chain.input as z.ZodType,
          output: z.unknown(),
          flow: sequence(...(before as Parameters<typeof sequence>)),
        })
      : undefined;
  const out: unknown[] = [];
  for (const [i, item] of devSet.entries()) {
    if (inputOf) {
      out.push(await inputOf(item.input));
      continue;
    }
    const parsed = chain.input.safeParse(item.input);
    if (!parsed.success) {
      throw new DatasetError(
        `calibrate: dev item ${i} does not match the input schema of chain "${chain.name}" (${schemaIssues(
          parsed.error,
        )
          .map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message))
          .join("; ")}); fix the dev set.`,
        { problems: [{ index: i, label: item.label }], cause: parsed.error },
      );
    }
    if (!prefix) {
      out.push(parsed.data);
      continue;
    }
    const r = await run(prefix, parsed.data);
    if (r.status !== "done") {
      throw new DatasetError(
        `calibrate: the steps before the cascade did not finish on dev item ${i} (status ${r.status}); fix the item or the chain.`,
        { problems: [{ index: i, label: item.label }], ...(r.status === "error" ? { cause: r.error } : {}) },
      );
    }
    out.push(r.output);
  }
  return out;
}

function calibrationContext(chain: AnyChain): StepContext {
  return stepContext({
    runId: "calibration",
    chain: { name: chain.name, version: chain.version, fingerprint: chain.fingerprint },
    input: initialContext(null).input,
    metadata: { calibration: true },
  });
}
