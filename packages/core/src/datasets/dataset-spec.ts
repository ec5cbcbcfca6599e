/** A dataset name with an optional version: `banking`, `banking@prod` (a tag), `banking@2026-05-01T00:00:00Z`. */
export interface DatasetSpec {
  name: string;
  /** A version tag or an ISO time; the examples as they were then. */
  asOf?: string;
}

/**
 * Parses `name[@as_of|tag]`; the version is what follows the last `@`.
 *
 * @example
 * parseDatasetSpec("banking@prod"); // { name: "banking", asOf: "prod" }
 */
export function parseDatasetSpec(spec: string): DatasetSpec {
  const at = spec.lastIndexOf("@");
  if (at <= 0 || at === spec.length - 1) return { name: spec };
  return { name: spec.slice(0, at), asOf: spec.slice(at + 1) };
}
