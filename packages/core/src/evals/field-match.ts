import type { z } from "zod";
import { canonicalJson } from "../versioning/canonical-json.ts";
import { defineEvaluator, type Evaluator } from "./evaluator.ts";

/** Options of {@link fieldMatch}. */
export interface FieldMatchOptions {
  /** The fields compared; default: the reference's fields that the output schema declares. */
  fields?: readonly string[];
  /** The chain's output schema (a zod object), which names the fields when `fields` is not given. */
  outputSchema?: z.ZodType;
  /** Feedback key; default `field_match` (or `<field>_match` for a single field). */
  key?: string;
}

/**
 * Field match: the share of the compared fields whose output value equals the reference's (1 when
 * all match). With one field it is that field's exact match, e.g. support-triage's `queue`.
 *
 * @example
 * fieldMatch({ fields: ["queue"] }) // { key: "queue_match", score: 1 }
 */
export function fieldMatch(options: FieldMatchOptions = {}): Evaluator {
  const declared = options.outputSchema === undefined ? undefined : schemaFields(options.outputSchema);
  const fields = options.fields;
  const key = options.key ?? (fields?.length === 1 ? `${fields[0]}_match` : "field_match");
  return defineEvaluator("field_match", key, { fields: fields ?? null, declared: declared ?? null }, (c) => {
    if (c.reference === undefined) return { key, score: null, comment: "no reference output" };
    const reference = c.reference;
    const compared =
      fields ?? Object.keys(reference).filter((f) => declared === undefined || declared.includes(f));
    if (compared.length === 0) return { key, score: null, comment: "no field to compare" };
    // A run that did not finish has no fields: say so, rather than "got null" for each.
    if (c.output === undefined) return { key, score: 0, comment: `no output (run ${c.status})` };
    const output = (c.output ?? {}) as Record<string, unknown>;
    const wrong = compared.filter(
      (f) => canonicalJson(output[f] ?? null) !== canonicalJson(reference[f] ?? null),
    );
    const score = (compared.length - wrong.length) / compared.length;
    if (wrong.length === 0) return { key, score };
    const comment = wrong
      .map(
        (f) =>
          `${f}: expected ${canonicalJson(reference[f] ?? null)}, got ${canonicalJson(output[f] ?? null)}`,
      )
      .join("; ");
    return { key, score, comment };
  });
}

/** The field names of a zod object schema; undefined for other schemas. */
export function schemaFields(schema: z.ZodType): string[] | undefined {
  const shape = (schema as { shape?: unknown }).shape;
  return typeof shape === "object" && shape !== null ? Object.keys(shape) : undefined;
}
