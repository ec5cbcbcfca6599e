/*
 * The flow factories, one module each; this module gathers them for callers that want them all.
 */
export { assign } from "./assign.ts";
export { type BranchCaseInput, branch } from "./branch.ts";
export {
  type CascadeAnswer,
  type CascadeOptions,
  type CascadeTierInput,
  type CascadeTierOptions,
  cascade,
  type TierResult,
} from "./cascade.ts";
export { type FlowBuilder, flow } from "./flow-builder.ts";
export type { AnyFlow, Assigned, Flow, FlowDecision, FlowInput, FlowOutput } from "./flow-types.ts";
export { type MapOptions, map } from "./map.ts";
export { nodeName } from "./node-name.ts";
export {
  type ParallelOnError,
  type ParallelOptions,
  type ParallelOutput,
  parallel,
  type Settled,
} from "./parallel.ts";
export { type RetryOptions, retry, retryableByDefault } from "./retry.ts";
export { type DecisionSchema, type Reviewed, type ReviewOptions, review } from "./review.ts";
export { sequence, sequenceOf } from "./sequence.ts";
export { type SubchainOptions, subchain } from "./subchain.ts";
