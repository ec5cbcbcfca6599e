import { createHash } from "node:crypto";
import { Embeddings } from "@langchain/core/embeddings";
import type { OpenAIEmbeddings } from "@langchain/openai";
import PQueue from "p-queue";
import { abortReason, settle, sleep } from "../async/settle.ts";
import { ChainDefinitionError, ProviderNotConfiguredError } from "../errors/errors.ts";
import type { FailedCall } from "../errors/llm-errors.ts";
import { plural } from "../format/plural.ts";
import { checkCallTimeout, checkRateNumbers, checkRetryNumbers } from "../llm/numeric-options.ts";
import { shownBaseURL } from "../llm/provider-credential.ts";
import { classifyProviderError, type ProviderFailure } from "../llm/provider-failure.ts";
import type { RateLimits } from "../llm/provider-rate-limiter.ts";
import { providerRateLimiter, type RateLimitTarget } from "../llm/rate-limit-registry.ts";
import { DEFAULT_RETRY_POLICY, type RetryPolicy, retryDelay } from "../llm/retry-policy.ts";
import { knownSecrets, redactErrorSecrets } from "../llm/secret-text.ts";
import type { Embedder, EmbedOptions } from "../steps/step-kinds.ts";
import { DiskEmbeddingCache, type EmbeddingCache } from "./embedding-cache.ts";
import { EmbeddingProviderError } from "./embedding-provider-error.ts";
import { MemoryEmbeddingCache } from "./memory-embedding-cache.ts";

/** Options of {@link openAiEmbedder}. */
export interface OpenAiEmbedderOptions {
  /** `"text-embedding-3-small"` or `"openai:text-embedding-3-small"`, or a model of an OpenAI-compatible server. */
  model: string;
  /**
   * Length of the vectors. text-embedding-3 models shorten theirs to it (it is sent with each
   * request); for other models it declares the length their vectors have (required for models
   * Catena does not know).
   */
  dimensions?: number;
  /** Base URL of an OpenAI-compatible server (default `OPENAI_BASE_URL`, else OpenAI). */
  baseURL?: string;
  /** API key (default `OPENAI_API_KEY`). */
  apiKey?: string;
  /** Texts per request (default 512; OpenAI takes up to 2048). */
  batchSize?: number;
  /** Requests in flight at once for one `embedDocuments` call (default 4). */
  concurrency?: number;
  /**
   * Where vectors are kept besides the in-memory layer: a directory (a {@link DiskEmbeddingCache}),
   * any {@link EmbeddingCache}, or `false` for no caching at all (not even in memory). Default: memory only.
   */
  cache?: EmbeddingCache | string | false;
  /** Vectors kept in memory (default 10,000). */
  memoryEntries?: number;
  /** How each request is retried on 429, 5xx, connection errors and timeouts. */
  retry?: Partial<RetryPolicy>;
  /** Timeout of each request, in milliseconds (default 60 s); a request that times out is retried. */
  callTimeoutMs?: number;
  /** Limits of the endpoint, shared with every llm step and embedder of the process that uses it. */
  rateLimit?: RateLimits;
}

// Vector lengths of OpenAI's embedding models; text-embedding-3 models can be asked for shorter ones.
const KNOWN_DIMENSIONS: Readonly<Record<string, number>> = {
  "text-embedding-3-small": 1536,
  "text-embedding-3-large": 3072,
  "text-embedding-ada-002": 1536,
};
const SHORTENABLE = /^text-embedding-3-/;

/** A configured client and the endpoint whose rate limit its requests count against. */
interface Endpoint {
  client: OpenAIEmbeddings;
  target: RateLimitTarget;
}

/**
 * OpenAI embeddings (or those of any OpenAI-compatible server) as Catena's `Embedder` and as a
 * LangChain `Embeddings`: LangChain's `OpenAIEmbeddings` does the HTTP, while the embedder batches
 * texts, keeps vectors in memory (and optionally on disk), and sends every request through the same
 * provider machinery as llm steps: the endpoint's shared rate limiter, retries with backoff that
 * honour `Retry-After`, and a per-request timeout. With neither key nor base URL it fails with
 * `ProviderNotConfiguredError` when first asked for a vector, not when the chain is defined.
 */
export class OpenAiEmbedder extends Embeddings implements Embedder {
  /** `openai:<model>:d<dimension>`: what a chain's fingerprint records of this embedder. */
  readonly id: string;
  readonly dimension: number;
  readonly model: string;
  readonly #options: OpenAiEmbedderOptions;
  readonly #retry: RetryPolicy;
  readonly #memory: MemoryEmbeddingCache | undefined;
  readonly #store: EmbeddingCache | undefined;
  readonly #endpoints = new Map<string, Promise<Endpoint>>();

  constructor(options: OpenAiEmbedderOptions) {
    super({});
    this.model = options.model.replace(/^openai:/, "");
    const dimension = options.dimensions ?? KNOWN_DIMENSIONS[this.model];
    if (dimension === undefined) {
      throw new ChainDefinitionError(
        `openAiEmbedder: the vector length of model "${this.model}" is not known; give \`dimensions\` (e.g. 768 for nomic-embed-text).`,
        { details: { model: this.model } },
      );
    }
    if (!Number.isInteger(dimension) || dimension < 1) {
      throw new ChainDefinitionError(
        `openAiEmbedder: \`dimensions\` must be a whole number >= 1, got ${dimension}.`,
        { details: { model: this.model, dimensions: dimension } },
      );
    }
    // Refused now, not on the first request: a timeout of 0 would abort every request at once.
    const owner = { name: "openAiEmbedder", details: { model: this.model } };
    checkCallTimeout(owner, options.callTimeoutMs);
    checkRetryNumbers(owner, options.retry);
    checkRateNumbers(owner, options.rateLimit);
    this.dimension = dimension;
    this.id = `openai:${this.model}:d${dimension}`;
    this.#options = options;
    this.#retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#memory = options.cache === false ? undefined : new MemoryEmbeddingCache(options.memoryEntries);
    this.#store =
      typeof options.cache === "string"
        ? new DiskEmbeddingCache(options.cache)
        : options.cache === false
          ? undefined
          : options.cache;
  }

  async embedQuery(text: string, options: EmbedOptions = {}): Promise<number[]> {
    return (await this.embedDocuments([text], options))[0] as number[];
  }

  /**
   * Vectors in input order; cached texts are not sent again, and equal texts are sent once. Once
   * `options.signal` aborts, no request is sent or retried and the call rejects with its reason.
   */
  async embedDocuments(texts: string[], options: EmbedOptions = {}): Promise<number[][]> {
    const out = new Array<number[]>(texts.length);
    const missing = new Map<string, number[]>();
    for (const [i, text] of texts.entries()) {
      const hit = this.#memory?.get(text);
      if (hit !== undefined) {
        out[i] = hit.slice();
        continue;
      }
      const indices = missing.get(text);
      if (indices === undefined) missing.set(text, [i]);
      else indices.push(i);
    }
    const fill = (text: string, vector: number[]): void => {
      for (const i of missing.get(text) ?? []) out[i] = vector.slice();
      missing.delete(text);
      this.#memory?.set(text, vector);
    };
    const store = this.#store;
    if (store !== undefined && missing.size > 0) {
      const found = await Promise.all(
        [...missing.keys()].map(async (t) => [t, await store.get(this.keyOf(t))] as const),
      );
      for (const [text, vector] of found) if (vector?.length === this.dimension) fill(text, vector);
    }
    if (missing.size === 0) return out;
    const batchSize = this.#options.batchSize ?? 512;
    const pending = [...missing.keys()];
    const queue = new PQueue({ concurrency: this.#options.concurrency ?? 4 });
    const requests: Promise<void>[] = [];
    for (let from = 0; from < pending.length; from += batchSize) {
      const batch = pending.slice(from, from + batchSize);
      requests.push(
        queue.add(async () => {
          const vectors = await this.request(batch, options.signal);
          for (const [j, text] of batch.entries()) fill(text, vectors[j] as number[]);
          if (store !== undefined) {
            // A cache that cannot be written costs a later request, never this answer.
            await Promise.all(
              batch.map((t, j) => store.set(this.keyOf(t), vectors[j] as number[]).catch(() => {})),
            );
          }
        }),
      );
    }
    try {
      await Promise.all(requests);
    } finally {
      queue.clear();
    }
    return out;
  }

  /** One request for a batch of texts: rate limited, timed out, retried, its vectors checked. */
  private async request(batch: string[], signal: AbortSignal | undefined): Promise<number[][]> {
    const { client, target } = await this.endpoint();
    const limiter = providerRateLimiter(target);
    if (this.#options.rateLimit !== undefined) limiter.configure(this.#options.rateLimit);
    const estimate = Math.ceil(batch.reduce((n, t) => n + t.length, 0) / 4);
    const failures: FailedCall[] = [];
    let lastError: unknown;
    const what = `embedder "${this.id}"`;
    const shown = shownBaseURL(target.baseURL);
    for (let attempt = 1; attempt <= this.#retry.attempts; attempt++) {
      // The caller may have gone while the client loaded or the last attempt failed; and a limiter
      // with no limits hands out its permit without looking at the signal.
      if (signal?.aborted) throw abortReason(signal, what);
      const permit = await limiter.acquire(estimate, signal);
      if (signal?.aborted) {
        permit.settle(0);
        throw abortReason(signal, what);
      }
      let answer: { vectors: number[][] } | { failure: ProviderFailure };
      const began = performance.now();
      try {
        // Raced against the signal: LangChain's embeddings take none, and the caller has gone.
        answer = {
          vectors: await settle(client.embedDocuments(batch), what, signal, undefined),
        };
        permit.settle(estimate);
      } catch (error) {
        permit.settle(0);
        if (signal?.aborted) throw abortReason(signal, what);
        // The provider's text may echo the key or a secret part of the URL (see redactSecrets).
        const secrets = knownSecrets(
          this.#options.apiKey || process.env.OPENAI_API_KEY || undefined,
          target.baseURL,
        );
        redactErrorSecrets(error, secrets);
        lastError = error;
        // The client's `timeout` is `callTimeoutMs`: a "Request timed out" sooner is another's.
        const clientTimeoutMs = this.#options.callTimeoutMs ?? 60_000;
        answer = {
          failure: classifyProviderError(error, {
            elapsedMs: performance.now() - began,
            clientTimeoutMs,
            secrets,
          }),
        };
      }
      if ("vectors" in answer) {
        const problem = this.problemWith(answer.vectors, batch.length);
        if (problem === undefined) return answer.vectors;
        // Vectors of the wrong count or length come again: the embedder's settings are wrong.
        failures.push({
          model: this.id,
          attempt,
          kind: "malformed-response",
          retryable: false,
          message: problem,
        });
        break;
      }
      const { failure } = answer;
      failures.push({
        model: this.id,
        attempt,
        kind: failure.kind,
        retryable: failure.retryable,
        // The client's own words ("Request timed out.") do not say how long it waited; other
        // timeouts (connecting, a proxy's) keep theirs, which `callTimeoutMs` did not set.
        message:
          failure.namesTimeout === true && clientTimedOut(lastError)
            ? `no answer within ${this.#options.callTimeoutMs ?? 60_000} ms (the embedder's \`callTimeoutMs\`)`
            : failure.message,
        ...(failure.status === undefined ? {} : { status: failure.status }),
        ...(failure.namesTimeout === true ? { namesTimeout: true } : {}),
        ...(failure.shouldRetry === undefined ? {} : { shouldRetry: failure.shouldRetry }),
        ...(shown === undefined ? {} : { baseURL: shown }),
      });
      if (!failure.retryable || attempt === this.#retry.attempts) break;
      const delay = retryDelay(this.#retry, attempt, failure.retryAfterMs);
      if (delay === undefined) {
        // The provider asked to wait longer than allowed: said in the error, and not retried by a retry().
        const last = failures.at(-1);
        if (last !== undefined && failure.retryAfterMs !== undefined) {
          last.refusedWaitMs = failure.retryAfterMs;
          last.maxWaitMs = this.#retry.maxRetryAfterMs;
        }
        break;
      }
      await sleep(delay, signal);
    }
    throw new EmbeddingProviderError(this.id, failures, { cause: lastError });
  }

  private problemWith(vectors: number[][], expected: number): string | undefined {
    if (vectors.length !== expected) return `asked for ${plural(expected, "vector")}, got ${vectors.length}`;
    const wrong = vectors.find((v) => v?.length !== this.dimension);
    if (wrong !== undefined) {
      return `the model answered vectors of length ${wrong?.length}, but the embedder declares ${this.dimension}; set \`dimensions\` to the model's vector length`;
    }
    return undefined;
  }

  /** The client for the key and base URL in force (options, else the environment). */
  private endpoint(): Promise<Endpoint> {
    const apiKey = this.#options.apiKey || process.env.OPENAI_API_KEY || undefined;
    const baseURL = this.#options.baseURL || process.env.OPENAI_BASE_URL || undefined;
    if (apiKey === undefined && baseURL === undefined) {
      return Promise.reject(
        new ProviderNotConfiguredError(
          `embedder "${this.id}": no provider configured. Set OPENAI_API_KEY to use OpenAI, or OPENAI_BASE_URL to use an OpenAI-compatible server (Ollama, vLLM, llama.cpp), or pass \`apiKey\` / \`baseURL\` to openAiEmbedder.`,
          { details: { embedder: this.id, variables: ["OPENAI_API_KEY", "OPENAI_BASE_URL"] } },
        ),
      );
    }
    const key = `${apiKey ?? ""}\n${baseURL ?? ""}`;
    let endpoint = this.#endpoints.get(key);
    if (endpoint === undefined) {
      endpoint = this.createEndpoint(apiKey, baseURL);
      this.#endpoints.set(key, endpoint);
      endpoint.catch(() => this.#endpoints.delete(key));
    }
    return endpoint;
  }

  private async createEndpoint(apiKey: string | undefined, baseURL: string | undefined): Promise<Endpoint> {
    let OpenAIEmbeddingsClass: typeof OpenAIEmbeddings;
    try {
      // Loaded on first use: importing @langchain/openai costs about half a second.
      ({ OpenAIEmbeddings: OpenAIEmbeddingsClass } = await import("@langchain/openai"));
    } catch (error) {
      throw new ProviderNotConfiguredError(
        `embedder "${this.id}": the package @langchain/openai cannot be loaded (${(error as Error).message}); install it with \`pnpm add @langchain/openai\`.`,
        { cause: error, details: { embedder: this.id } },
      );
    }
    const shorten = this.#options.dimensions !== undefined && SHORTENABLE.test(this.model);
    const client = new OpenAIEmbeddingsClass({
      model: this.model,
      // Local OpenAI-compatible servers need no key, but the OpenAI client refuses to start without one.
      apiKey: apiKey ?? "not-needed",
      // One call of ours is one request; its retries and concurrency are ours, not LangChain's.
      batchSize: Number.MAX_SAFE_INTEGER,
      maxRetries: 0,
      maxConcurrency: Number.POSITIVE_INFINITY,
      timeout: this.#options.callTimeoutMs ?? 60_000,
      ...(shorten ? { dimensions: this.dimension } : {}),
      ...(baseURL === undefined ? {} : { configuration: { baseURL } }),
    });
    return {
      client,
      target: baseURL === undefined ? { provider: "openai" } : { provider: "openai", baseURL },
    };
  }

  /** The persistent cache's key of a text: the embedder's id and the text, hashed. */
  private keyOf(text: string): string {
    return createHash("sha256").update(`${this.id}\n${text}`).digest("hex");
  }
}

/**
 * Whether an error is the OpenAI client's own request timeout (`timeout`, which the embedder sets
 * to `callTimeoutMs`), as LangChain passes it on: a `TimeoutError` (or the SDK's
 * `APIConnectionTimeoutError`) saying "Request timed out".
 */
function clientTimedOut(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { name, message } = error as { name?: unknown; message?: unknown };
  return (
    (name === "TimeoutError" || name === "APIConnectionTimeoutError") &&
    typeof message === "string" &&
    /request timed out/i.test(message)
  );
}

/**
 * An embedder backed by OpenAI's embeddings API or any OpenAI-compatible server (see
 * {@link OpenAiEmbedder}), for `knn` steps and LangChain vector stores.
 *
 * @example
 * const embedder = openAiEmbedder({ model: "text-embedding-3-small", dimensions: 512, cache: ".catena/embeddings" });
 * knn("neighbours", { index, embedder, k: 10 })
 */
export function openAiEmbedder(options: OpenAiEmbedderOptions): OpenAiEmbedder {
  return new OpenAiEmbedder(options);
}
