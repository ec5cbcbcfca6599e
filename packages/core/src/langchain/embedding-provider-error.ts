import { CatenaError, type CatenaErrorOptions } from "../errors/catena-error.ts";
import { type FailedCall, failedCallsDetails, whatToDo } from "../errors/llm-errors.ts";
import { plural } from "../format/plural.ts";

/**
 * The embeddings provider kept failing (retries on 429, 5xx, connection errors and timeouts used
 * up, or an error that retrying cannot fix: a bad key, an unknown model, vectors of the wrong
 * length). Its code is `PROVIDER_FAILED`, as for chat models; `details.calls` lists each failed call, `details.status` the last one's HTTP status and
 * `details.retryable` whether a later try may succeed.
 */
export class EmbeddingProviderError extends CatenaError {
  readonly calls: FailedCall[];
  constructor(embedder: string, calls: FailedCall[], options: CatenaErrorOptions = {}) {
    const last = calls.at(-1);
    super(
      "PROVIDER_FAILED",
      `embedder "${embedder}": the embeddings provider failed ${plural(calls.length, "time")}; last: ${(last?.message ?? "unknown error").replace(/[\s.]+$/, "")}. ${whatToDo(last, "embedder")}`,
      { ...options, details: { embedder, ...failedCallsDetails(calls), ...options.details } },
    );
    this.calls = calls;
  }
}
