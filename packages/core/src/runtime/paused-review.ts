import type { AnyChain } from "../compile/chain.ts";
import type { ReviewLookup } from "../flows/construct.ts";
import { constructOf } from "../flows/registry.ts";
import type { ReviewNode } from "../types.ts";
import { tableOf } from "./machine-table.ts";
import type { RunSnapshot } from "./run-types.ts";

/** Why `snapshot` cannot be resumed with `chain`, or undefined when it can. */
export function snapshotProblem(chain: AnyChain, snapshot: RunSnapshot): string | undefined {
  if (snapshot?.format !== "catena.run-snapshot.v1")
    return "This is not a Catena run snapshot (format catena.run-snapshot.v1).";
  if (snapshot.chain.name !== chain.name) {
    return `The snapshot belongs to chain "${snapshot.chain.name}", not "${chain.name}".`;
  }
  if (snapshot.chain.fingerprint !== chain.fingerprint) {
    return `The snapshot was taken with ${snapshot.chain.name}@${snapshot.chain.version} (fingerprint ${snapshot.chain.fingerprint.slice(0, 12)}), but this chain is ${chain.id} (fingerprint ${chain.fingerprint.slice(0, 12)}); resume with the version that paused the run (registry.get("${snapshot.chain.name}@${snapshot.chain.version}")).`;
  }
  if (pausedReview(chain, snapshot) === undefined)
    return `The snapshot is not waiting at a review (state "${snapshot.state}").`;
  return undefined;
}

/** The review a snapshot waits at: a state of this chain, or one inside a construct's sub-flow. */
export function pausedReview(chain: AnyChain, snapshot: RunSnapshot): ReviewNode | undefined {
  return reviewIn(chain.compiled, snapshot);
}

/** The review a compiled flow paused at, following pauses inside constructs (subchains of subchains). */
const reviewIn: ReviewLookup = (flow, paused) => {
  const info = tableOf(flow).states.get(paused.state)?.info;
  if (info?.kind === "review") return info.review;
  if (info?.kind === "effect" && paused.nested !== undefined) {
    return constructOf(info.node).pausedReview?.(info.node, paused.nested, reviewIn);
  }
  return undefined;
};
