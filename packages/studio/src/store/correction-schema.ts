import type { DatabaseSync } from "node:sqlite";
import { checkJsonSchema, type JsonSchema } from "../check-json-schema.ts";
import { StudioHttpError } from "../http/studio-http-error.ts";
import { fromJsonColumn } from "./json-column.ts";

/** The output schema that corrections of a run must fit, and what it belongs to (for messages). */
export interface CorrectionSchema {
  schema: JsonSchema;
  /** `chain triage@1.2.0` or `the run's metadata (output_schema)`. */
  owner: string;
}

/** The metadata keys of a root run that name its chain's output schema. */
export interface CorrectionSchemaKeys {
  fingerprint?: unknown;
  output_schema?: unknown;
}

/**
 * Finds the output schema of root runs as the trace view does: the `output` of the chain
 * description stored under the fingerprint in the run's metadata (`PUT /catena/chains/{fingerprint}`),
 * else an `output_schema` the metadata carries itself; `undefined` when neither is known. Each
 * fingerprint is read once per resolver.
 */
export function correctionSchemaResolver(
  db: DatabaseSync,
): (metadata: CorrectionSchemaKeys) => CorrectionSchema | undefined {
  const byFingerprint = new Map<string, CorrectionSchema | undefined>();
  const read = db.prepare("SELECT name, version, description FROM chain_descriptions WHERE fingerprint = ?");
  return (metadata) => {
    const fingerprint = metadata.fingerprint;
    if (typeof fingerprint === "string") {
      if (!byFingerprint.has(fingerprint)) {
        const row = read.get(fingerprint);
        const output = (fromJsonColumn(row?.description) as { output?: unknown } | null)?.output;
        byFingerprint.set(
          fingerprint,
          isSchema(output) ? { schema: output, owner: `chain ${row?.name}@${row?.version}` } : undefined,
        );
      }
      const found = byFingerprint.get(fingerprint);
      if (found !== undefined) return found;
    }
    return isSchema(metadata.output_schema)
      ? { schema: metadata.output_schema, owner: "the run's metadata (output_schema)" }
      : undefined;
  };
}

/**
 * Refuses (422) a correction of root run `runId` that does not fit its chain's output schema,
 * naming each problem as the page's correction editor does. A correction object overrides the
 * run's outputs field by field (as `catena dataset add --from-traces` applies it), so what is
 * checked is the outputs with the correction laid over them: `{"label": "billing"}` corrects one
 * field of a larger answer (a deferred run's outputs are no answer: its correction is checked alone). A run the studio has not received, a child run (a step's output is not
 * the chain's) or a chain without a known schema is not checked.
 */
export function assertCorrectionFits(db: DatabaseSync, runId: string, correction: unknown): void {
  const run = db.prepare("SELECT parent_run_id, extra, outputs, error FROM runs WHERE id = ?").get(runId);
  if (run === undefined || run.parent_run_id !== null) return;
  const extra = fromJsonColumn(run.extra) as { metadata?: CorrectionSchemaKeys } | null;
  const found = correctionSchemaResolver(db)(extra?.metadata ?? {});
  if (found === undefined) return;
  // A failed run has no answer to correct field by field, nor has a deferred one: its outputs are
  // the deferral's record (`{status: "deferred", deferred: {...}}`), which no schema of the chain's
  // answer allows, so laid under a correction they would refuse every correction of it.
  const stored = run.error ? null : fromJsonColumn(run.outputs);
  const outputs = isRecord(stored) && stored.status === "deferred" ? null : stored;
  const corrected = isRecord(correction) && isRecord(outputs) ? { ...outputs, ...correction } : correction;
  let problems: string[];
  try {
    problems = checkJsonSchema(corrected, found.schema);
  } catch {
    return; // a schema this checker cannot read is as good as unknown
  }
  if (problems.length === 0) return;
  throw new StudioHttpError(
    422,
    `The correction of run ${runId} does not fit the output schema of ${found.owner}` +
      `${corrected === correction ? "" : " (laid over the run's outputs)"}: ${problems.join("; ")}. ` +
      "Send a corrected output that fits the schema (the page's correction editor lists the problems as you type).",
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isSchema(value: unknown): value is JsonSchema {
  return isRecord(value);
}
