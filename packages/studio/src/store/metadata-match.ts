import type { SQLInputValue } from "node:sqlite";

/**
 * SQL conditions that a JSON column's `metadata` object holds every key of `wanted` with that value
 * (`?metadata={"env":"prod"}` on `GET /datasets` and `GET /sessions`, as in LangSmith).
 */
export function metadataMatch(
  column: string,
  wanted: Record<string, unknown>,
): { where: string[]; params: SQLInputValue[] } {
  const where: string[] = [];
  const params: SQLInputValue[] = [];
  for (const [key, value] of Object.entries(wanted)) {
    const path = `$.metadata.${JSON.stringify(key)}`;
    if (value !== null && typeof value === "object") {
      where.push(`json_extract(${column}, ?) = json(?)`);
      params.push(path, JSON.stringify(value));
    } else {
      where.push(`json_extract(${column}, ?) IS ?`);
      params.push(path, typeof value === "boolean" ? (value ? 1 : 0) : (value as SQLInputValue));
    }
  }
  return { where, params };
}
