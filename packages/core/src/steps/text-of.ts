/**
 * Reads the text a text step works on: the input itself when it is a string, else the named field.
 * Throws a TypeError that names the step and the field when there is no string there.
 */
export function textOf(input: unknown, field: string, step: string): string {
  if (typeof input === "string") return input;
  if (typeof input === "object" && input !== null) {
    const value = (input as Record<string, unknown>)[field];
    if (typeof value === "string") return value;
  }
  throw new TypeError(
    `step "${step}" expects a string or an object with a string "${field}" field, got ${describeValue(input)}; set the step's \`field\` option or reshape the data before it`,
  );
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return `an object with keys [${Object.keys(value).join(", ")}]`;
  return typeof value;
}
