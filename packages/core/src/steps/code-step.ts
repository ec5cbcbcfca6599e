import type { JsonValue, Step, StepContext } from "../types.ts";
import { functionSource } from "./function-source.ts";

/** Options of a code step. */
export interface CodeStepOptions {
  /**
   * Values the function depends on that its source text does not show (captured constants,
   * tables): they go into the fingerprint so that changing them changes the chain's fingerprint.
   */
  spec?: JsonValue;
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
  const spec: JsonValue = options.spec === undefined ? { source: functionSource(fn) } : { source: functionSource(fn), spec: options.spec };
  return {
    type: "step",
    name,
    kind: "code",
    spec,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    run: fn as (input: TInput, ctx: StepContext) => Awaited<TOutput> | Promise<Awaited<TOutput>>,
  };
}
