/**
 * `1 line is`, `2 lines are`: a count with its words, the plural ones when the count is not 1. The
 * words may carry their verb, so that the sentence agrees with the count. Core's own copy of the
 * CLI's format/plural.ts (core cannot import the CLI).
 *
 * @example
 * plural(1, "line is", "lines are"); // "1 line is"
 * plural(3, "example"); // "3 examples"
 */
export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nouns}`;
}
