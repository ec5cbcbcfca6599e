/** The first line of a text, cut to `max` characters with an ellipsis. */
export function truncate(text: string, max: number): string {
  const line = text.split("\n", 1)[0] ?? "";
  return line.length <= max ? line : `${line.slice(0, Math.max(0, max - 1))}…`;
}
