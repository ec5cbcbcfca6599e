import type { Step } from "../types.ts";
import type { KnnResult, KnnStepOptions, Neighbour } from "./step-kinds.ts";
import { textOf } from "./text-of.ts";

/**
 * A k-nearest-neighbour step: embeds the text, finds the k most similar labelled examples in the
 * index and lets them vote. Returns `{ label, confidence, neighbours }`, or `label: null` with
 * confidence 0 when no labelled neighbour has a positive similarity. Each neighbour keeps the metadata
 * it was indexed with. The index's content hash, the embedder's id, k and the vote go into the chain's
 * fingerprint.
 *
 * @example
 * knn("neighbours", { index: VectorIndex.load("banking77.index"), embedder, k: 10, threshold: 0.8 })
 */
export function knn(name: string, options: KnnStepOptions): Step<unknown, KnnResult> {
  const { index, embedder } = options;
  const k = options.k ?? 10;
  const vote = options.vote ?? "weighted";
  const field = options.field ?? "text";
  if (!Number.isInteger(k) || k < 1)
    throw new TypeError(`knn step "${name}": k must be a positive integer, got ${k}`);
  if (vote !== "weighted" && vote !== "majority") {
    throw new TypeError(`knn step "${name}": vote must be "weighted" or "majority", got ${String(vote)}`);
  }
  if (embedder.dimension !== index.dimension) {
    throw new TypeError(
      `knn step "${name}": the embedder makes ${embedder.dimension}-dimensional vectors but the index holds ${index.dimension}-dimensional ones; build the index with the same embedder`,
    );
  }
  return {
    type: "step",
    name,
    kind: "knn",
    spec: { field, k, vote, index: index.contentHash, embedder: embedder.id },
    ...(options.threshold === undefined ? {} : { threshold: options.threshold }),
    async run(input, ctx) {
      // The step's signal: an embedder calling a provider stops retrying once the step has ended.
      const vector = await embedder.embedQuery(textOf(input, field, name), { signal: ctx.signal });
      // Plain copies: the answer is traced and checkpointed, and must not alias the index's entries.
      const neighbours = index
        .search(vector, k)
        .map(({ id, label, score, metadata }) =>
          metadata === undefined ? { id, label, score } : { id, label, score, metadata: { ...metadata } },
        );
      return { ...tally(neighbours, vote), neighbours };
    },
  };
}

/** The winning label and its share of the votes; ties go to the label of the nearer neighbour. */
function tally(
  neighbours: readonly Neighbour[],
  vote: "majority" | "weighted",
): { label: string | null; confidence: number } {
  const weights = new Map<string, number>();
  let total = 0;
  for (const n of neighbours) {
    if (n.label === null) continue;
    const w = vote === "weighted" ? Math.max(0, n.score) : 1;
    if (w === 0) continue;
    weights.set(n.label, (weights.get(n.label) ?? 0) + w);
    total += w;
  }
  let label: string | null = null;
  let best = 0;
  // Map order is first-appearance order, i.e. nearest first: a later label must do strictly better.
  for (const [l, w] of weights) {
    if (w > best) {
      best = w;
      label = l;
    }
  }
  return total > 0 ? { label, confidence: Math.min(1, best / total) } : { label: null, confidence: 0 };
}
