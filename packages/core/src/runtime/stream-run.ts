import type { Chain } from "../compile/chain.ts";
import type { RunEvent } from "./run-event.ts";
import type { RunOptions } from "./run-types.ts";
import { run } from "./runner.ts";
import type { TokenEvent } from "./token-event.ts";

/**
 * Runs a chain like {@link run}, yielding the tokens of its `llm` steps as the models send them,
 * then one `result` event with what `run` would return. Stopping the loop early aborts the run.
 * Steps that do not stream (code, regex, structured-output llm steps) yield nothing.
 *
 * @example
 * for await (const event of stream(answerChain, { question })) {
 *   if (event.type === "token") process.stdout.write(event.text);
 *   else if (event.result.status === "done") console.log("\n", event.result.output);
 * }
 */
export async function* stream<TInput, TOutput>(
  chain: Chain<TInput, TOutput, unknown>,
  input: NoInfer<TInput>,
  options: Omit<RunOptions, "onToken"> = {},
): AsyncGenerator<RunEvent<TOutput>, void, undefined> {
  const pending: TokenEvent[] = [];
  let wake: (() => void) | undefined;
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  let finished = false;
  const result = run(chain, input, {
    ...options,
    signal,
    onToken: (event) => {
      pending.push(event);
      wake?.();
    },
  }).finally(() => {
    finished = true;
    wake?.();
  });
  try {
    while (true) {
      while (pending.length > 0) yield pending.shift() as TokenEvent;
      if (finished) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
    yield { type: "result", result: await result };
  } finally {
    // The consumer left early (break, return, throw): nobody reads the rest, so stop the run.
    if (!finished) stop.abort(new Error("the stream's consumer stopped reading"));
  }
}
