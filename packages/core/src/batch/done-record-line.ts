/**
 * The JSONL line of a finished item's record, built from its known fields rather than by a
 * `JSON.stringify` of the whole record: a checkpointed batch writes one per item, and V8's generic
 * object walk costs about twice as much as this for the usual record (numbers and short strings).
 */

/** A `done` record as `runBatch` builds it, fields in this order. */
export interface DoneRecord {
  index: number;
  chain: string;
  version: string;
  status: "done";
  ms: number;
  runId?: string;
  input?: unknown;
  output?: unknown;
}

/**
 * Serializes `record` exactly as `JSON.stringify(record)` does (plus the newline), given the JSON
 * of its chain name and version, which stay the same for a whole batch. Only for records whose
 * own keys are those of {@link DoneRecord}, in that order.
 */
export function doneRecordLine(record: DoneRecord, chainJson: string, versionJson: string): string {
  if (hasToJSON(record.input) || hasToJSON(record.output)) return `${JSON.stringify(record)}\n`;
  let line = `{"index":${number(record.index)},"chain":${chainJson},"version":${versionJson},"status":"done","ms":${number(record.ms)}`;
  if ("runId" in record) line = field(line, '"runId":', record.runId);
  if ("input" in record) line = field(line, '"input":', record.input);
  if ("output" in record) line = field(line, '"output":', record.output);
  return `${line}}\n`;
}

/**
 * A value whose own `toJSON` would be called with its key inside the record but with "" on its own:
 * such records take the whole-record path, so the line is the same either way.
 */
function hasToJSON(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { toJSON?: unknown }).toJSON === "function"
  );
}

function number(value: number): string {
  // What JSON.stringify writes for a number.
  return Number.isFinite(value) ? String(value) : "null";
}

/** Appends `"key":value`, or nothing where JSON.stringify leaves the key out (undefined, functions). */
function field(line: string, key: string, value: unknown): string {
  const json = typeof value === "number" ? number(value) : JSON.stringify(value);
  return json === undefined ? line : `${line},${key}${json}`;
}
