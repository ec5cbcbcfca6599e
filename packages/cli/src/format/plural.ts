/** `1 chain`, `2 chains`: a count with its noun, plural when the count is not 1. */
export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nouns}`;
}
