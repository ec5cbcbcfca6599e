import type { JsonValue, Step, StepContext } from "../types.ts";
import { functionSource } from "./function-source.ts";

/** Options of a code step. */
export interface CodeStepOptions {
  /**
   * Values the function depends on that its source text does not show (captured constants,
   * tables): they go into the fingerprint so that changing them changes the chain's fingerprint.
   */
  spec?: JsonValue;
  /** Helper functions the step calls: their source goes into the fingerprint too. */
  deps?: ReadonlyArray<(...args: never[]) => unknown>;
  timeoutMs?: number;
}

/**
 * A step that runs a TypeScript function; its source text is part of the chain's fingerprint.
 *
 * @example
 * code("normalize", ({ text }: { text: string }) => ({ text: text.trim().toLowerCase() }))
 */
export function code<TInput, TOutput>(
  name: string,
  fn: (input: TInput, ctx: StepContext) => TOutput | Promise<TOutput>,
  options: CodeStepOptions = {},
): Step<TInput, Awaited<TOutput>> {
  const spec: { [key: string]: JsonValue } = { source: functionSource(fn) };
  if (options.spec !== undefined) spec.spec = options.spec;
  if (options.deps !== undefined) spec.deps = options.deps.map(functionSource);
  return {
    type: "step",
    name,
    kind: "code",
    spec,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    run: fn as (input: TInput, ctx: StepContext) => Awaited<TOutput> | Promise<Awaited<TOutput>>,
  };
}
