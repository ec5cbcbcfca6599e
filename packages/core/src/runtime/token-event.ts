/**
 * One piece of a model's answer, as an `llm` step receives it from the provider. Tokens of steps
 * running side by side (map items, samples) interleave: tell them apart by `step`, `path` and `item`.
 */
export interface TokenEvent {
  type: "token";
  /** The text of this piece (a token, or a few: providers chunk as they like). */
  text: string;
  /** The name of the step whose model is answering. */
  step: string;
  /** Where the step sits: the enclosing cascade (if any), then the step's name. */
  path: readonly string[];
  runId: string;
  /** The map item being processed, when the step runs inside a `map`. */
  item?: number;
  /** The cascade tier, when the step runs as one. */
  tier?: string;
  /** 1 on the first attempt of the step, 2 on its first `retry`, ... */
  attempt: number;
  /**
   * Which answer of this step attempt the text belongs to: 1 for the first model call, then one more
   * for each call that starts the answer over (a provider retry, a fallback model, a repair of an
   * answer that failed its schema, another sample). When it goes up, the text so far is superseded.
   */
  call: number;
}
