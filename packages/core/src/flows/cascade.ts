import { ChainDefinitionError } from "../errors/errors.ts";
import type { AnyStep, CascadeNode, CascadeTier, FlowScope, LabelResult, Step } from "../types.ts";
import type { Flow } from "./flow-types.ts";

/** A cascade tier given with its own threshold or accept predicate. */
export interface CascadeTierOptions<I, R extends LabelResult> {
  step: Step<I, R>;
  threshold?: number;
  accept?: (result: R, scope: FlowScope) => boolean;
}

/** A tier of {@link cascade}: a step that gives a label and a confidence, bare or with options. */
export type CascadeTierInput<I, R extends LabelResult = LabelResult> = Step<I, R> | CascadeTierOptions<I, R>;

/** What a tier gives. */
export type TierResult<T> = T extends { step: Step<never, infer R> }
  ? R
  : T extends Step<never, infer R>
    ? R
    : never;

/** Options of {@link cascade}. */
export interface CascadeOptions {
  /** What to do when no tier is accepted: return the most confident answer, or defer the item. */
  onExhausted?: "best" | "deferred";
}

/**
 * What a cascade outputs: the answering tier's result, which tier it was, and whether it cleared its
 * bar. Its label is never `null`: a tier with no answer is never accepted nor taken as the best.
 */
export type CascadeAnswer<TResult extends LabelResult = LabelResult> = TResult extends LabelResult
  ? TResult & { label: NonNullable<TResult["label"]>; tier: string; accepted: boolean }
  : never;

/**
 * Tries labelling tiers cheapest first; a tier's answer is accepted when its confidence reaches the
 * tier's threshold (or its accept predicate holds), otherwise the next tier runs. Every tier must
 * be a step that gives `{ label, confidence }`: anything else is a compile error and, for a tier
 * that is not a step at all, a `ChainDefinitionError` when the cascade is built.
 *
 * @example
 * cascade("intent", [rules, { step: classifier, threshold: 0.9 }, llmStep], { onExhausted: "deferred" })
 */
export function cascade<const T extends readonly CascadeTierInput<I>[], I = unknown>(
  name: string,
  tiers: T & readonly CascadeTierInput<NoInfer<I>>[],
  options: CascadeOptions = {},
): Flow<I, CascadeAnswer<TierResult<T[number]>>> {
  const node: CascadeNode = {
    type: "cascade",
    name,
    tiers: tiers.map((t, i): CascadeTier => {
      const input = tierOptions(t as unknown, name, i);
      const step = input.step;
      return {
        step,
        threshold: input.threshold ?? step.threshold ?? 0,
        ...(input.accept === undefined ? {} : { accept: input.accept }),
      };
    }),
    onExhausted: options.onExhausted ?? "best",
  };
  return node;
}

interface UntypedTier {
  step: AnyStep;
  threshold?: number;
  accept?: (result: LabelResult, scope: FlowScope) => boolean;
}

function tierOptions(tier: unknown, cascadeName: string, index: number): UntypedTier {
  const candidate = isStep(tier) ? { step: tier } : (tier as { step?: unknown } | null);
  if (candidate === null || typeof candidate !== "object" || !isStep(candidate.step)) {
    const kind = (tier as { type?: unknown } | null)?.type;
    throw new ChainDefinitionError(
      `Cascade "${cascadeName}": tier ${index + 1} is ${typeof kind === "string" ? `a ${kind}` : "not a step"}; every tier must be a step that returns { label, confidence } (wrap a longer flow in a code step, or use branch).`,
      { details: { cascade: cascadeName, tier: index + 1 } },
    );
  }
  return candidate as UntypedTier;
}

function isStep(value: unknown): value is AnyStep {
  return typeof value === "object" && value !== null && (value as { type?: unknown }).type === "step";
}
