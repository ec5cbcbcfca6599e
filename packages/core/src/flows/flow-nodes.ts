import type { SerializedError } from "../errors/catena-error.ts";
import type {
  AnyStep,
  AssignNode,
  Backoff,
  BranchNode,
  CascadeNode,
  CascadeTier,
  FlowNode,
  FlowScope,
  LabelResult,
  MapNode,
  RetryNode,
  ReviewNode,
  SequenceNode,
  Step,
} from "../types.ts";

/**
 * Runs nodes one after another; each node's output is the next one's input.
 *
 * @example
 * sequence(code("trim", (s: string) => s.trim()), regex("kind", { rules }))
 */
export function sequence(...nodes: FlowNode[]): SequenceNode {
  return { type: "sequence", nodes };
}

/** One case of {@link branch}: a guard on the data so far, and the node to run when it holds. */
export interface BranchCaseInput<TData> {
  label?: string;
  when: (data: TData, scope: FlowScope) => boolean;
  flow: FlowNode;
}

/**
 * Routes to the first case whose guard holds; with no match, runs `otherwise` or passes the data on.
 *
 * @example
 * branch("by-length", [{ label: "long", when: (d: { text: string }) => d.text.length > 200, flow: summarize }])
 */
export function branch<TData = unknown>(
  name: string,
  cases: readonly BranchCaseInput<TData>[],
  options: { otherwise?: FlowNode } = {},
): BranchNode {
  return {
    type: "branch",
    name,
    cases: cases.map((c, i) => ({
      label: c.label ?? `case ${i + 1}`,
      when: c.when as (data: never, scope: FlowScope) => boolean,
      flow: c.flow,
    })),
    ...(options.otherwise === undefined ? {} : { otherwise: options.otherwise }),
  };
}

/** A cascade tier given with its own threshold or accept predicate. */
export interface CascadeTierInput {
  step: AnyStep | Step<never, LabelResult>;
  threshold?: number;
  accept?: (result: LabelResult, scope: FlowScope) => boolean;
}

/** Options of {@link cascade}. */
export interface CascadeOptions {
  /** What to do when no tier is accepted: return the most confident answer, or defer the item. */
  onExhausted?: "best" | "deferred";
}

/**
 * Tries labelling tiers cheapest first; a tier's answer is accepted when its confidence reaches the
 * tier's threshold (or its accept predicate holds), otherwise the next tier runs.
 *
 * @example
 * cascade("intent", [rules, { step: classifier, threshold: 0.9 }, llmStep], { onExhausted: "deferred" })
 */
export function cascade(
  name: string,
  tiers: readonly (AnyStep | Step<never, LabelResult> | CascadeTierInput)[],
  options: CascadeOptions = {},
): CascadeNode {
  return {
    type: "cascade",
    name,
    tiers: tiers.map((t): CascadeTier => {
      const input: CascadeTierInput =
        "type" in t && t.type === "step" ? { step: t } : (t as CascadeTierInput);
      const step = input.step as AnyStep;
      return {
        step,
        threshold: input.threshold ?? step.threshold ?? 0,
        ...(input.accept === undefined ? {} : { accept: input.accept }),
      };
    }),
    onExhausted: options.onExhausted ?? "best",
  };
}

/** What a cascade outputs: the answering tier's result, which tier it was, and whether it cleared its bar. */
export type CascadeAnswer<TResult extends LabelResult = LabelResult> = TResult & {
  tier: string;
  accepted: boolean;
};

/** Options of {@link retry}. */
export interface RetryOptions {
  /** Attempts in all, including the first (default 3). */
  attempts?: number;
  backoff?: Partial<Backoff>;
  /** Retries only errors this returns true for (default: every error but aborts and timeouts of the run). */
  retryOn?: (error: SerializedError) => boolean;
  name?: string;
}

/**
 * Re-runs a node when it fails, up to `attempts` times, waiting with exponential backoff between tries.
 *
 * @example
 * retry(fetchStep, { attempts: 4, backoff: { initialMs: 200 } })
 */
export function retry(node: FlowNode, options: RetryOptions = {}): RetryNode {
  const name = options.name ?? `${nodeName(node)}-retry`;
  return {
    type: "retry",
    name,
    node,
    attempts: options.attempts ?? 3,
    backoff: { initialMs: 100, factor: 2, maxMs: 10_000, jitter: true, ...options.backoff },
    ...(options.retryOn === undefined ? {} : { retryOn: options.retryOn }),
  };
}

/** Options of {@link map}. */
export interface MapOptions<TData> {
  over: (data: TData, scope: FlowScope) => readonly unknown[];
  node: FlowNode;
  /** Items in flight at once (default 4). */
  concurrency?: number;
}

/**
 * Runs a node over each element of a list with bounded concurrency; the output is the list of results.
 *
 * @example
 * map("per-line", { over: (d: { lines: string[] }) => d.lines, node: classifyLine, concurrency: 8 })
 */
export function map<TData = unknown>(name: string, options: MapOptions<TData>): MapNode {
  return {
    type: "map",
    name,
    over: options.over as (data: never, scope: FlowScope) => readonly unknown[],
    node: options.node,
    concurrency: options.concurrency ?? 4,
  };
}

/** Options of {@link review}. */
export interface ReviewOptions<TData, TDecision> {
  /** Schema the decision is checked against when the run resumes. */
  decision?: { safeParse(value: unknown): { success: boolean; error?: unknown; data?: unknown } };
  /** How the decision is combined with the data (default `{ ...data, review: decision }`). */
  apply?: (data: TData, decision: TDecision) => unknown;
  /** What the reviewer is asked; shown by tools that list waiting runs. */
  prompt?: string;
}

/**
 * Pauses the run until a decision arrives from outside (human review). The run returns
 * `status: "waiting"` with a JSON snapshot that `resume` continues, in this process or another.
 *
 * @example
 * review("approve-refund", { decision: z.object({ approved: z.boolean() }) })
 */
export function review<TData = unknown, TDecision = unknown>(
  name: string,
  options: ReviewOptions<TData, TDecision> = {},
): ReviewNode {
  return {
    type: "review",
    name,
    ...(options.decision === undefined ? {} : { decision: options.decision }),
    ...(options.apply === undefined
      ? {}
      : { apply: options.apply as (data: never, decision: never) => unknown }),
    ...(options.prompt === undefined ? {} : { prompt: options.prompt }),
  };
}

/**
 * Runs a node and keeps the current data, storing the node's output under `key`.
 *
 * @example
 * sequence(assign("fields", extractIds), assign("route", triage)) // -> { text, fields, route }
 */
export function assign(key: string, node: FlowNode): AssignNode {
  return { type: "assign", key, node };
}

/** The name a node is known by in graphs and errors. */
export function nodeName(node: FlowNode): string {
  switch (node.type) {
    case "sequence":
      return node.nodes.map(nodeName).join("+");
    case "assign":
      return nodeName(node.node);
    default:
      return node.name;
  }
}
