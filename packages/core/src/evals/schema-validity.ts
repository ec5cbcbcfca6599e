import { z } from "zod";
import { defineEvaluator, type Evaluator } from "./evaluator.ts";

/**
 * Schema validity: whether the output parses with a zod schema (the chain's output schema, or a
 * stricter one). The comment lists the first issues.
 *
 * @example
 * schemaValidity(supportTriage.output)
 */
export function schemaValidity(schema: z.ZodType, options: { key?: string } = {}): Evaluator {
  const key = options.key ?? "schema_valid";
  const described = schemaDescription(schema);
  return defineEvaluator("schema_validity", key, { schema: described }, ({ output }) => {
    const parsed = schema.safeParse(output);
    if (parsed.success) return { key, score: true };
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join(".") || "(output)"}: ${i.message}`)
      .join("; ");
    return { key, score: false, comment: issues };
  });
}

function schemaDescription(schema: z.ZodType): unknown {
  return z.toJSONSchema(schema, { unrepresentable: "any" });
}
