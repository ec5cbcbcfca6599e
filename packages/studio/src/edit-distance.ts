/**
 * The Levenshtein distance between two strings: the fewest one-character insertions, deletions and
 * substitutions that turn one into the other. Two rows of the table, so memory stays O(|b|).
 *
 * With a `limit`, it stops as soon as the distance is known to exceed it (the lengths alone differ
 * by more, or a whole row of the table does) and returns `limit + 1`: ranking many values against
 * one then costs little for the values that cannot be among the closest.
 */
export function editDistance(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMinimum = i;
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      const cell = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
      current.push(cell);
      if (cell < rowMinimum) rowMinimum = cell;
    }
    // Every path to the last cell crosses this row, and no step lowers the count.
    if (rowMinimum > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length] ?? 0;
}
