import type { Chain } from "../compile/chain.ts";
import type { ChainRunnable, ToRunnableOptions } from "./chain-runnable.ts";

/**
 * Turns a chain into a LangChain `Runnable`, to drop into LCEL sequences and LangGraph graphs:
 * `invoke` returns the chain's output, `batch` runs inputs through Catena's runner with
 * `maxConcurrency`, `streamSteps` yields a step-finished event per step and then the output. It is
 * async because it loads LangChain on first use: importing `@catena/core` never pays for it.
 *
 * @example
 * const triage = await toRunnable(supportTriage);
 * const pipeline = RunnableSequence.from([(text: string) => ({ text }), triage, (out) => out.queue]);
 * await pipeline.invoke("I was charged twice"); // "billing"
 * new StateGraph(State).addNode("triage", triage); // a LangGraph node: its output updates the state
 */
export async function toRunnable<TInput, TOutput>(
  chain: Chain<TInput, TOutput>,
  options: ToRunnableOptions = {},
): Promise<ChainRunnable<TInput, TOutput>> {
  const { ChainRunnable } = await import("./chain-runnable.ts");
  return new ChainRunnable(chain, options);
}
