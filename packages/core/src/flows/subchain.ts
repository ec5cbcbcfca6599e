/*
 * `subchain`: another chain run as one node of this one. It keeps that chain's input and output
 * validation, name, version and fingerprint; its steps run in this run (their records, usage and
 * spans count here), and a review inside it pauses this run. The whole construct is this module
 * plus its line in `registry.ts`.
 */
import { assign as xstateAssign } from "xstate";
import type { Chain } from "../compile/chain.ts";
import type { Args } from "../compile/context-actions.ts";
import { recordOutput } from "../compile/context-actions.ts";
import type { DeferredInfo } from "../compile/machine-context.ts";
import { FINAL_STATES } from "../compile/state-info.ts";
import { InputValidationError, OutputValidationError, schemaIssues } from "../errors/errors.ts";
import { NOOP_SPAN } from "../runtime/quiet-defaults.ts";
import type { ChainRef, FlowNode } from "../types.ts";
import type { EffectResult, EffectRun, FlowConstruct, FlowEnd } from "./construct.ts";
import type { Flow } from "./flow-types.ts";

/** Options of {@link subchain}. */
export interface SubchainOptions {
  /** The state's name in this chain (default: the subchain's name); names are unique per chain. */
  name?: string;
}

/** A chain used as a node of another. */
export interface SubchainNode {
  readonly type: "subchain";
  readonly name: string;
  readonly chain: Chain<unknown, unknown, unknown>;
}

/** Where a subchain paused: its own state and context, and deeper pauses (plain JSON). */
interface SubchainPause {
  state: string;
  context: unknown;
  nested?: unknown;
}

/** Marks a deferred subchain in its `step.done` event, so that the machine ends this run deferred too. */
const DEFERRED = "catena.subchain.deferred";
interface DeferredMark {
  [DEFERRED]: DeferredInfo;
}

/**
 * Runs another chain as a step: its input is validated against its input schema and its output
 * against its output schema; it takes what that chain takes (`z.input` of its input schema) and
 * gives what it returns, and its reviews' decisions join this chain's. Its fingerprint is part of
 * this chain's, its steps' records, usage and spans are this run's (the spans under one span named
 * after it), a review inside pauses this run and `resume` continues inside it, and a deferred
 * subchain defers this run.
 *
 * @example
 * flow(input).pipe(assign("triage", subchain(supportTriage))).pipe(code("reply", (d) => d.triage.queue))
 */
export function subchain<I, O, D = never>(
  chain: Chain<I, O, D>,
  options: SubchainOptions = {},
): Flow<I, O, D> {
  const node: SubchainNode = {
    type: "subchain",
    name: options.name ?? chain.name,
    chain: chain as unknown as Chain<unknown, unknown, unknown>,
  };
  return node as Flow<I, O, D>;
}

declare module "../types.ts" {
  /** A subchain node is a flow node (see {@link FlowNodeKinds}). */
  interface FlowNodeKinds {
    subchain: SubchainNode;
  }
}

/** How a subchain walks, fingerprints, compiles and runs. */
export const subchainConstruct: FlowConstruct<SubchainNode> = {
  kind: "subchain",
  // Its steps are part of this chain's (step lists, calibration); its input is checked by its own schema.
  children: (node) => [node.chain.flow as FlowNode],
  spec: (node) => ({
    subchain: node.name,
    chain: node.chain.name,
    version: node.chain.version,
    fingerprint: node.chain.fingerprint,
  }),
  describe: (node) => `subchain ${node.chain.id}`,
  compile(node, into, next, onError) {
    const deferred = into.final(FINAL_STATES.deferred, "deferred");
    into.add(node.name, {
      meta: { catena: { kind: "effect", node, flows: [node.chain.compiled] } },
      on: {
        "step.done": [
          {
            target: deferred,
            guard: ({ event }: Args) => event.type === "step.done" && isDeferred(event.output),
            actions: [
              xstateAssign(({ event }: Args) => ({
                deferred: event.type === "step.done" ? (event.output as DeferredMark)[DEFERRED] : null,
              })),
            ],
            description: "deferred",
          },
          { target: next.target, actions: [recordOutput(node.name), ...next.actions] },
        ],
        "step.error": onError,
      },
    });
    return node.name;
  },
  async effect(node, run) {
    const startedAt = Date.now();
    const t0 = performance.now();
    const span = openSpan(node, run, run.data);
    const parsed = node.chain.input.safeParse(run.data);
    if (!parsed.success) {
      const error = new InputValidationError(node.chain.name, schemaIssues(parsed.error), {
        subject: `the input schema of subchain "${node.name}" (${node.chain.id})`,
      });
      return run.fail(node.name, "subchain", error, startedAt, t0, span);
    }
    const end = await run.runFlow(node.chain.compiled, parsed.data, span, {
      input: parsed.data,
      chain: node.chain,
    });
    return settle(node, run, end, span, startedAt, t0);
  },
  async resume(node, nested, decision, run) {
    const startedAt = Date.now();
    const t0 = performance.now();
    const paused = nested as SubchainPause;
    const span = openSpan(node, run, (paused.context as { data?: unknown }).data);
    const end = await run.resumeFlow(node.chain.compiled, paused, decision, span, { chain: node.chain });
    return settle(node, run, end, span, startedAt, t0);
  },
  pausedReview(node, nested, reviewIn) {
    const paused = nested as SubchainPause | null;
    if (paused === null || typeof paused !== "object" || typeof paused.state !== "string") return undefined;
    return reviewIn(node.chain.compiled, paused);
  },
};

function openSpan(node: SubchainNode, run: EffectRun, inputs: unknown) {
  if (!run.span.active) return NOOP_SPAN;
  const ref: ChainRef = {
    name: node.chain.name,
    version: node.chain.version,
    fingerprint: node.chain.fingerprint,
  };
  return run.span.child({
    name: node.name,
    runType: "chain",
    inputs,
    metadata: { kind: "subchain", chain: ref.name, version: ref.version, fingerprint: ref.fingerprint },
    tags: [`chain:${ref.name}`, `version:${ref.version}`],
  });
}

/** Turns where the subchain ended into this machine's next event (or a pause), validating its output. */
function settle(
  node: SubchainNode,
  run: EffectRun,
  end: FlowEnd,
  span: ReturnType<typeof openSpan>,
  startedAt: number,
  t0: number,
): EffectResult {
  const record = (status: "done") =>
    run.record({ name: node.name, kind: "subchain", startedAt, ms: performance.now() - t0, status });
  switch (end.status) {
    case "waiting": {
      span.end({ outputs: { status: "waiting", review: end.review.name }, metadata: { status: "waiting" } });
      const nested: SubchainPause = {
        state: end.state,
        context: end.context,
        ...(end.nested === undefined ? {} : { nested: end.nested }),
      };
      return { type: "pause", review: end.review, nested };
    }
    case "failed":
      run.throwIfAborted(span);
      return run.fail(node.name, "subchain", end.error, startedAt, t0, span);
    case "deferred":
      span.end({ outputs: { deferred: end.deferred }, metadata: { status: "deferred" } });
      record("done");
      return { type: "step.done", output: { [DEFERRED]: end.deferred } satisfies DeferredMark };
    case "done": {
      const parsed = node.chain.output.safeParse(end.data);
      if (!parsed.success) {
        const error = new OutputValidationError(node.chain.name, schemaIssues(parsed.error));
        return run.fail(node.name, "subchain", error, startedAt, t0, span);
      }
      span.end({ outputs: parsed.data, metadata: { status: "done" } });
      record("done");
      return { type: "step.done", output: parsed.data };
    }
  }
}

function isDeferred(output: unknown): output is DeferredMark {
  return typeof output === "object" && output !== null && DEFERRED in output;
}
