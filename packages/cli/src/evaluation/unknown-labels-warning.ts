import { plural } from "../format/plural.ts";
import type { EvalItem } from "./read-eval-items.ts";

const SHOWN = 10;

/**
 * The one warning `catena eval` and `catena compare` give for items whose expected label is not in
 * the chain's label set (held-out data with an intent the chain was never taught): how many, which
 * labels (with their counts, most frequent first), that they count as misses, and the flag that
 * refuses such a file instead. Undefined when every label is known, or the chain has no label set.
 */
export function unknownLabelsWarning(
  shownAs: string,
  chain: string,
  items: readonly EvalItem[],
  labels: readonly string[] | undefined,
): string | undefined {
  if (labels === undefined) return undefined;
  const known = new Set(labels);
  const counts = new Map<string, number>();
  for (const item of items) {
    if (!known.has(item.label)) counts.set(item.label, (counts.get(item.label) ?? 0) + 1);
  }
  if (counts.size === 0) return undefined;
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const shown = [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, SHOWN)
    .map(([label, n]) => `"${label}" (${n})`)
    .join(", ");
  return `${shownAs}: ${plural(total, "item")} ${total === 1 ? "expects" : "expect"} labels ${chain} does not know: ${shown}${counts.size > SHOWN ? ", ..." : ""}; they count as misses (--strict-labels refuses such a file).`;
}
