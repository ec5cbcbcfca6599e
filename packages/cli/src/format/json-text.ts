/** A value as pretty-printed JSON with a trailing newline, the way every command prints JSON. */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
