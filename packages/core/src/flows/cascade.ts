import { acceptanceText, NEVER_ACCEPT } from "../calibrate/threshold-text.ts";
import {
  type Args,
  acceptAnswer,
  deferTo,
  isLabelResult,
  noteAnswer,
  noteTierError,
  scopeOf,
  startCascade,
  useBest,
} from "../compile/context-actions.ts";
import type { TransitionConfig } from "../compile/machine-builder.ts";
import { FINAL_STATES } from "../compile/state-info.ts";
import { ChainDefinitionError } from "../errors/errors.ts";
import { checkAuditOptions, type TierAudit } from "../runtime/audit-options.ts";
import type {
  AnyStep,
  CascadeAuditOptions,
  CascadeNode,
  CascadeTier,
  FlowScope,
  LabelResult,
  Step,
} from "../types.ts";
import { functionSource } from "../versioning/function-source.ts";
import type { FlowConstruct } from "./construct.ts";
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
  /**
   * Audit sampling by default for every run of the chain (a run's own `audit` option goes over it):
   * on a sampled share of the answers a cheap tier accepted, the cascade's LLM tier (its last `llm`
   * step) also answers, in the background, traced with the `audit` tag. It never changes the output
   * nor the fingerprint. A share outside (0, 1] is refused with `INVALID_AUDIT_OPTIONS`.
   */
  audit?: CascadeAuditOptions;
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
  checkAuditOptions(options.audit, `Cascade "${name}"`);
  const node: CascadeNode = {
    type: "cascade",
    name,
    tiers: tiers.map((t, i): CascadeTier => {
      const input = tierOptions(t as unknown, name, i);
      const step = input.step;
      return {
        step,
        threshold: checkedThreshold(input.threshold ?? step.threshold ?? 0, name, i, step.name),
        ...(input.accept === undefined ? {} : { accept: input.accept }),
      };
    }),
    onExhausted: options.onExhausted ?? "best",
    ...(options.audit === undefined ? {} : { audit: { ...options.audit } }),
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

/**
 * A tier's threshold is a confidence, 0 to 1, or `NEVER_ACCEPT` (2, what calibration writes for a
 * tier that cannot reach its target). Anything else is refused where the cascade is defined: 97
 * meant as 97% would make the tier never answer, and -0.1 always, both silently.
 */
function checkedThreshold(threshold: unknown, cascadeName: string, index: number, step: string): number {
  if (typeof threshold === "number" && ((threshold >= 0 && threshold <= 1) || threshold === NEVER_ACCEPT)) {
    return threshold;
  }
  const hint =
    typeof threshold === "number" && threshold > 1 && threshold <= 100
      ? ` (for ${threshold}%, write ${Number((threshold / 100).toFixed(6))})`
      : "";
  throw new ChainDefinitionError(
    `Cascade "${cascadeName}": tier ${index + 1} ("${step}") has threshold ${String(threshold)}; a threshold is a confidence from 0 to 1${hint}, or NEVER_ACCEPT (${NEVER_ACCEPT}) for a tier that never answers.`,
    { details: { cascade: cascadeName, tier: index + 1, step, threshold: String(threshold) } },
  );
}

function isStep(value: unknown): value is AnyStep {
  return typeof value === "object" && value !== null && (value as { type?: unknown }).type === "step";
}

declare module "../types.ts" {
  /** A cascade node is a flow node (see {@link FlowNodeKinds}). */
  interface FlowNodeKinds {
    cascade: CascadeNode;
  }
}

/** How a cascade compiles: a state per tier with guards on the tier's answer, cheapest first. */
export const cascadeConstruct: FlowConstruct<CascadeNode> = {
  kind: "cascade",
  childInputs: "shared",
  children: (node) => node.tiers.map((t) => t.step),
  spec: (node, specOf) => ({
    cascade: node.name,
    onExhausted: node.onExhausted,
    tiers: node.tiers.map((t) => ({
      threshold: t.threshold,
      accept: t.accept ? functionSource(t.accept) : null,
      step: specOf(t.step),
    })),
  }),
  compile(node, into, next) {
    if (node.tiers.length === 0)
      throw new ChainDefinitionError(`Chain "${into.id}": cascade "${node.name}" has no tiers.`);
    into.add(node.name, { meta: { catena: { kind: "branch" } }, always: [] });
    const c = node.name;
    const exhausted = (): TransitionConfig[] => {
      const deferred = into.final(FINAL_STATES.deferred, "deferred");
      const toDeferred: TransitionConfig = {
        target: deferred,
        actions: [deferTo(c)],
        description: "deferred",
      };
      if (node.onExhausted === "deferred") return [toDeferred];
      return [
        {
          target: next.target,
          // Checked before this tier's answer is noted, so the answer in the event counts too.
          guard: ({ context, event }: Args) =>
            context.cascades[c]?.best != null ||
            (event.type === "step.done" && isLabelResult(event.output) && event.output.label !== null),
          actions: [useBest(c), ...next.actions],
          description: "best answer",
        },
        toDeferred,
      ];
    };
    // The LLM tier audits the tiers before it (the cheap ones); a cascade without one has no audits.
    const auditorAt = node.tiers.findLastIndex((t) => t.step.kind === "llm");
    // One per cascade, shared by its cheap tiers: the audit chain is cached by it (a subchain's
    // cascade of the same name has its own).
    const tierAudit: TierAudit | undefined =
      auditorAt < 0
        ? undefined
        : {
            auditor: node.tiers[auditorAt] as CascadeTier,
            ...(node.audit === undefined ? {} : { defaults: node.audit }),
          };
    let entry = "";
    for (let i = node.tiers.length - 1; i >= 0; i--) {
      const tier = node.tiers[i] as CascadeTier;
      const s = tier.step.name;
      const last = i === node.tiers.length - 1;
      const escalate: TransitionConfig[] = last
        ? exhausted().map((t) => ({ ...t, actions: [noteAnswer(c, s), ...(t.actions ?? [])] }))
        : [{ target: entry, actions: [noteAnswer(c, s)], description: "escalate" }];
      const onTierError: TransitionConfig[] = last
        ? exhausted().map((t) => ({
            ...t,
            actions: [noteTierError(c, s), ...(t.actions ?? [])],
            description: `error: ${t.description ?? ""}`,
          }))
        : [{ target: entry, actions: [noteTierError(c, s)], description: "error: escalate" }];
      const accepted = ({ context, event }: Args): boolean => {
        if (event.type !== "step.done" || !isLabelResult(event.output) || event.output.label === null)
          return false;
        return tier.accept
          ? tier.accept(event.output, scopeOf(context))
          : event.output.confidence >= tier.threshold;
      };
      const retry = into.retryRegion;
      into.add(s, {
        meta: {
          catena: {
            kind: "step",
            step: tier.step,
            cascade: c,
            tier: s,
            threshold: tier.threshold,
            ...(retry ? { retry } : {}),
            ...(tierAudit !== undefined && i < auditorAt ? { audit: tierAudit } : {}),
          },
        },
        on: {
          "step.done": [
            {
              target: next.target,
              guard: accepted,
              actions: [acceptAnswer(c, s), ...next.actions],
              description: tier.accept ? "accepted" : acceptanceText(tier.threshold),
            },
            ...escalate,
          ],
          "step.error": onTierError,
        },
      });
      entry = s;
    }
    (into.states[c] as { always?: TransitionConfig[] }).always = [
      { target: entry, actions: [startCascade(c)] },
    ];
    return c;
  },
};
