import { displayWidth, padToWidth } from "./display-width.ts";

/**
 * Lays out rows as left-aligned columns separated by two spaces (the last column is not padded),
 * measured in terminal columns (a Chinese label takes two a character).
 *
 * @example
 * table([["NAME", "VERSION"], ["support-triage", "1.0.0"]])
 */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, displayWidth(cell));
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : padToWidth(cell, widths[i] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join("");
}
