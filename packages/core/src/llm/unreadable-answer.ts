import type { ModelCallRecord } from "./model-call-trace.ts";

/**
 * A model answer that the provider's client rejected before Catena could read it: structured
 * output that is not JSON. It is the model's fault, not the
 * provider's, so the step repairs it (asks again, saying what was wrong) instead of retrying.
 */
export class UnreadableAnswer extends Error {
  readonly model: string;
  /** What was wrong, phrased for the repair request. */
  readonly reason: string;
  /** The call that got the answer, for the step's trace. */
  readonly call: ModelCallRecord | undefined;
  /** The answer's text as the provider sent it ("" when unknown), for the repair and the error. */
  readonly rawText: string;
  constructor(model: string, reason: string, cause: unknown, call?: ModelCallRecord, rawText = "") {
    super(`${model}: ${reason}`, { cause });
    this.name = "UnreadableAnswer";
    this.model = model;
    this.reason = reason;
    this.call = call;
    this.rawText = rawText;
  }
}

/**
 * Recognises the OpenAI client's own structured-output failures (it parses json_schema answers
 * itself and drops the text): invalid JSON, or an answer stopped by the content filter. Undefined
 * for any other error.
 */
export function unreadableReason(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error.name === "SyntaxError" && /invalid structured output JSON/i.test(error.message)) {
    return "the answer was not valid JSON";
  }
  // A LengthFinishReasonError (the token limit) is no repair's business: asking again meets the
  // same limit (see structuredCutOff).
  if (error.constructor.name === "ContentFilterFinishReasonError")
    return "the answer was stopped by the provider's content filter";
  return undefined;
}
