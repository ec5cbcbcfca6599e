import { displayWidth } from "./display-width.ts";
import { table } from "./table.ts";

/** A column {@link fitTable} may cut, and how narrow it may get. */
export interface ShrinkableColumn {
  /** Index of the column in the rows given. */
  column: number;
  minWidth: number;
}

/**
 * Lays out rows as {@link table} does, within `width` terminal columns (measured by display width): columns whose cells (under the
 * header) are all `-` are left out, then the `shrinkable` columns are cut (cells end in `…`), the
 * first one down to its `minWidth` before the next, until the lines fit.
 *
 * @example
 * fitTable([["ID", "CHAIN"], ["1a2b", "support-triage@1.1.0"]], { width: 20, shrinkable: [{ column: 1, minWidth: 8 }] })
 */
export function fitTable(
  rows: readonly (readonly string[])[],
  options: { width: number; shrinkable: readonly ShrinkableColumn[] },
): string {
  const [header, ...body] = rows;
  if (header === undefined) return "";
  const keep = header.map((_, i) => body.length === 0 || body.some((row) => (row[i] ?? "-") !== "-"));
  const kept = rows.map((row) => row.filter((_, i) => keep[i]));
  const widths = kept[0]?.map((_, i) => Math.max(...kept.map((row) => displayWidth(row[i] ?? "")))) ?? [];
  let excess = widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1) - options.width;
  for (const { column, minWidth } of options.shrinkable) {
    if (excess <= 0) break;
    if (!keep[column]) continue;
    const at = keep.slice(0, column).filter(Boolean).length;
    const cut = Math.min(excess, Math.max(0, (widths[at] ?? 0) - minWidth));
    widths[at] = (widths[at] ?? 0) - cut;
    excess -= cut;
  }
  return table(kept.map((row) => row.map((cell, i) => cutTo(cell, widths[i] ?? displayWidth(cell)))));
}

/**
 * `cell` cut to `width` terminal columns, ending in `…`: measured as {@link table} measures (a wide
 * character takes two columns, a combining mark none), and never splitting a wide character.
 */
function cutTo(cell: string, width: number): string {
  if (displayWidth(cell) <= width) return cell;
  let kept = "";
  for (const char of cell) {
    if (displayWidth(kept + char) > width - 1) break;
    kept += char;
  }
  return `${kept}…`;
}
