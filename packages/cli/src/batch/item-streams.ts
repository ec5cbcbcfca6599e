import type { LocatedItem } from "./located-item.ts";

/** The inputs alone, in order, as `runBatch` takes them (item i of the file gets index i). */
export async function* valuesOf(items: AsyncIterable<LocatedItem>): AsyncGenerator<unknown> {
  for await (const item of items) yield item.value;
}

/** The number of items, for the progress bar's total and ETA. */
export async function countItems(items: AsyncIterable<LocatedItem>): Promise<number> {
  let count = 0;
  for await (const _ of items) count++;
  return count;
}

/** The line each of the given item indices ends on, to point at failed items in the input file. */
export async function linesOfItems(
  items: AsyncIterable<LocatedItem>,
  indices: Iterable<number>,
): Promise<Map<number, number>> {
  const wanted = new Set(indices);
  const lines = new Map<number, number>();
  if (wanted.size === 0) return lines;
  let index = 0;
  for await (const item of items) {
    if (wanted.has(index)) lines.set(index, item.line);
    if (lines.size === wanted.size) break;
    index++;
  }
  return lines;
}
