import { LocalEmbedder } from "../ml/local-embedder.ts";
import { defineEvaluator, type Evaluator } from "./evaluator.ts";

/** What embedding similarity needs of an embedder (LangChain's `Embeddings`, Catena's `LocalEmbedder`). */
export interface SimilarityEmbedder {
  embedDocuments(texts: string[]): Promise<number[][]>;
}

/** Options of {@link embeddingSimilarity}. */
export interface EmbeddingSimilarityOptions {
  /** The output and reference field compared (text); default: the whole output vs the whole reference. */
  field?: string;
  /**
   * `"local"` (default): Catena's hashed n-gram embedder fitted on the pair itself, no network;
   * `"openai:<model>"`, e.g. `"openai:text-embedding-3-small"` (needs OPENAI_API_KEY or OPENAI_BASE_URL);
   * or an embedder instance (then give `embedderId` so that the fingerprint knows it).
   */
  embedder?: "local" | `openai:${string}` | SimilarityEmbedder;
  embedderId?: string;
  /** Score as pass/fail: similarity at least this; without it the score is the cosine similarity. */
  threshold?: number;
  key?: string;
}

/**
 * Embedding similarity: the cosine similarity of the output's and the reference's embeddings, or a
 * pass/fail against `threshold`. Useful for free-text answers where exact match is too strict.
 *
 * @example
 * embeddingSimilarity({ field: "answer", threshold: 0.8 })
 */
export function embeddingSimilarity(options: EmbeddingSimilarityOptions = {}): Evaluator {
  const key = options.key ?? (options.field === undefined ? "similarity" : `${options.field}_similarity`);
  const choice = options.embedder ?? "local";
  const embedderId = typeof choice === "string" ? choice : (options.embedderId ?? "custom");
  let remote: Promise<SimilarityEmbedder> | undefined;
  const embedderFor = (pair: [string, string]): Promise<SimilarityEmbedder> => {
    if (choice === "local") return Promise.resolve(LocalEmbedder.fit(pair));
    if (typeof choice !== "string") return Promise.resolve(choice);
    remote ??= openAiEmbedder(choice.slice("openai:".length));
    return remote;
  };
  const settings = {
    field: options.field ?? null,
    embedder: embedderId,
    threshold: options.threshold ?? null,
  };
  return defineEvaluator("embedding_similarity", key, settings, async ({ output, reference }) => {
    const expected = textOf(options.field === undefined ? reference : reference?.[options.field]);
    if (expected === undefined) return { key, score: null, comment: "no reference text" };
    const actual = textOf(
      options.field === undefined ? output : (output as Record<string, unknown> | undefined)?.[options.field],
    );
    if (actual === undefined)
      return { key, score: options.threshold === undefined ? 0 : false, comment: "no output text" };
    const embedder = await embedderFor([actual, expected]);
    const [a, b] = await embedder.embedDocuments([actual, expected]);
    const similarity = cosine(a ?? [], b ?? []);
    const comment = `cosine similarity ${similarity.toFixed(3)}`;
    return {
      key,
      score: options.threshold === undefined ? similarity : similarity >= options.threshold,
      comment,
    };
  });
}

async function openAiEmbedder(model: string): Promise<SimilarityEmbedder> {
  const { OpenAIEmbeddings } = await import("@langchain/openai");
  const baseURL = process.env.OPENAI_BASE_URL;
  return new OpenAIEmbeddings({
    model,
    apiKey: process.env.OPENAI_API_KEY ?? "not-needed",
    ...(baseURL ? { configuration: { baseURL } } : {}),
  });
}

function textOf(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === "string" ? value : JSON.stringify(value);
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
