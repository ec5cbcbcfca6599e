import { plural } from "../format/plural.ts";
import type { LabelledExample } from "./labelled-example.ts";

/** One text that the data gives more than one label, with where each copy is. */
export interface ConflictingLabels {
  /** The text, as its first copy has it. */
  text: string;
  /** Each copy's label and 1-based line (or 0-based position when the examples have no lines). */
  copies: Array<{ label: string; line?: number; index: number }>;
}

/**
 * The texts that appear more than once with different labels (compared after trimming and in
 * lower case), in the order of their first copy: a classifier cannot learn both, and a dev set with
 * them caps the precision any threshold can show. Texts repeated with the same label are not listed.
 *
 * @example
 * conflictingLabels(rows); // [{ text: "card not here", copies: [{ label: "card_arrival", line: 803, index: 801 }, ...] }]
 */
export function conflictingLabels(examples: readonly LabelledExample[]): ConflictingLabels[] {
  const byText = new Map<string, ConflictingLabels>();
  examples.forEach((e, index) => {
    const key = e.text.trim().toLowerCase();
    const entry = byText.get(key) ?? { text: e.text, copies: [] };
    entry.copies.push({ label: e.label, index, ...(e.line === undefined ? {} : { line: e.line }) });
    byText.set(key, entry);
  });
  return [...byText.values()].filter((c) => new Set(c.copies.map((copy) => copy.label)).size > 1);
}

/**
 * A one-line warning about {@link conflictingLabels} of `source` (a file name), showing the first
 * few; `undefined` when there are none.
 */
export function conflictingLabelsWarning(
  source: string,
  conflicts: readonly ConflictingLabels[],
): string | undefined {
  if (conflicts.length === 0) return undefined;
  const shown = conflicts
    .slice(0, 3)
    .map(
      (c) =>
        `"${c.text.length > 60 ? `${c.text.slice(0, 57)}...` : c.text}" (${c.copies
          .map(
            (copy) =>
              `${copy.line === undefined ? `example ${copy.index}` : `line ${copy.line}`} ${copy.label}`,
          )
          .join(", ")})`,
    )
    .join("; ");
  return `${source}: ${plural(conflicts.length, "text appears", "texts appear")} with different labels: ${shown}${conflicts.length > 3 ? "; ..." : ""}. Keep one label per text: a model cannot learn both, and they count as mistakes whatever it answers.`;
}
