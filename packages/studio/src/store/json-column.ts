/** A value as stored in a JSON text column: `undefined` and `null` become SQL NULL. */
export function toJsonColumn(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

/** A JSON text column read back; NULL becomes `null`. */
export function fromJsonColumn(text: unknown): unknown {
  return typeof text === "string" ? JSON.parse(text) : null;
}

/** A text column read back as a string or `null`. */
export function textColumn(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

/** A numeric column read back as a number or `null`. */
export function numberColumn(value: unknown): number | null {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  return null;
}

/**
 * SQL for a key of the metadata in run `alias`'s `extra` column, where the tracer puts Catena's
 * (chain, version, tier, model, status, ...).
 */
export const metadataSql = (alias: string, key: string): string =>
  `json_extract(${alias}.extra, '$.metadata.${key}')`;

/**
 * {@link metadataSql}, NULL instead of an error when `extra` is no JSON SQLite can read: runs stored
 * before the ingest's depth limit may hold metadata nested deeper than SQLite's JSON functions go
 * (1,000 levels), and json_extract raises "malformed JSON" on it. For the values stored from each
 * root's row (its tier, Trends' values): one such root would otherwise fail the statement that
 * fills them, at every open, and every write of that root.
 */
export const readableMetadataSql = (alias: string, key: string): string =>
  `json_extract(CASE WHEN json_valid(${alias}.extra) THEN ${alias}.extra END, '$.metadata.${key}')`;
