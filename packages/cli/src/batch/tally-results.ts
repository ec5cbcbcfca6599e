import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { BatchItemUsage, SerializedError, Usage } from "@catena/core";

/** Output fields counted per value in the summary, when a chain's outputs carry them. */
export const TALLIED_FIELDS = ["queue", "label", "tier"] as const;

/** One of {@link TALLIED_FIELDS}. */
export type TalliedField = (typeof TALLIED_FIELDS)[number];

/** A failed item of a results file. */
export interface FailedItem {
  index: number;
  /** The line of the input file the item ends on, when known. */
  line?: number;
  error: SerializedError;
}

/** What a whole results file holds (this run's items and those of earlier, resumed runs). */
export interface ResultsTally {
  items: number;
  byStatus: Record<string, number>;
  /**
   * For each of {@link TALLIED_FIELDS} found in outputs: each value with its count, most frequent
   * first (then by value). Pairs, not an object: an object would list integer-like values ("3")
   * first whatever their counts.
   */
  counts: Partial<Record<TalliedField, Array<[value: string, count: number]>>>;
  /** The first failed items, by index. */
  failures: FailedItem[];
  /** All failed items, even beyond those listed. */
  failed: number;
  /**
   * What the items' model calls spent, summed over the records' `usage` (records written before
   * they carried it count nothing); the cost leaves out tokens at no known price. `cachedUsd`: what
   * the answers from the LLM cache would have cost, when any did.
   */
  usage: Usage;
  /**
   * Records with no `usage`: items that spent nothing, and records written before records carried
   * it (their spend is unknown, so {@link ResultsTally.usage} may fall short).
   */
  withoutUsage: number;
  /** Records with tokens but no `costUsd`: models at no known price, left out of the cost. */
  unpriced: number;
}

/**
 * Reads a batch results file back and counts it: items per status, per output tier/queue/label,
 * and the first `maxFailures` failures with their errors. Streams, so the file may be large.
 */
export async function tallyResults(path: string, maxFailures = 10): Promise<ResultsTally> {
  const tally: ResultsTally = {
    items: 0,
    byStatus: {},
    counts: {},
    failures: [],
    failed: 0,
    usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
    withoutUsage: 0,
    unpriced: 0,
  };
  // Maps, not objects: a label named "constructor" or "__proto__" is a label like any other.
  const counted = new Map<TalliedField, Map<string, number>>();
  const lines = createInterface({
    input: createReadStream(path, { encoding: "utf8" }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const line of lines) {
    if (line.trim() === "") continue;
    let record: {
      index?: unknown;
      status?: unknown;
      output?: unknown;
      error?: unknown;
      usage?: Partial<BatchItemUsage> | null;
    };
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      continue; // a torn last line after a crash: the next --resume cuts it off
    }
    if (typeof record.index !== "number" || typeof record.status !== "string") continue;
    tally.items++;
    tally.byStatus[record.status] = (tally.byStatus[record.status] ?? 0) + 1;
    if (typeof record.usage === "object" && record.usage !== null) {
      addUsage(tally.usage, record.usage);
      const { inputTokens, outputTokens, costUsd } = record.usage;
      // Tokens with no cost are at no known price; an item answered from the cache spent none.
      const tokens = (Number(inputTokens) || 0) + (Number(outputTokens) || 0);
      if (typeof costUsd !== "number" && tokens > 0) tally.unpriced++;
    } else tally.withoutUsage++;
    if (record.status === "error") {
      tally.failed++;
      tally.failures.push({ index: record.index, error: record.error as SerializedError });
      tally.failures.sort((a, b) => a.index - b.index);
      if (tally.failures.length > maxFailures) tally.failures.pop();
    }
    if (typeof record.output === "object" && record.output !== null) {
      const output = record.output as Record<string, unknown>;
      for (const field of TALLIED_FIELDS) {
        const value = output[field];
        if (typeof value !== "string") continue;
        const counts = counted.get(field) ?? new Map<string, number>();
        counts.set(value, (counts.get(value) ?? 0) + 1);
        counted.set(field, counts);
      }
    }
  }
  for (const field of TALLIED_FIELDS) {
    const counts = counted.get(field);
    if (counts) tally.counts[field] = [...counts].sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  }
  return tally;
}

/** Adds a record's usage, ignoring fields that are not numbers (a hand-edited file). */
function addUsage(total: Usage, usage: Partial<BatchItemUsage>): void {
  const number = (value: unknown): number =>
    typeof value === "number" && Number.isFinite(value) ? value : 0;
  total.inputTokens += number(usage.inputTokens);
  total.outputTokens += number(usage.outputTokens);
  total.costUsd += number(usage.costUsd);
  const cached = number(usage.cachedUsd);
  if (cached > 0) total.cachedUsd = (total.cachedUsd ?? 0) + cached;
}
