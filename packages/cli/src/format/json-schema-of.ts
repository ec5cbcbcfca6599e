import { z } from "zod";

/**
 * The JSON Schema of a chain's input or output zod schema. Parts JSON Schema cannot express
 * (transforms, custom checks) become `{}`; a schema that cannot be converted at all is described
 * by a note instead of failing `describe`.
 */
export function jsonSchemaOf(schema: z.ZodType, io: "input" | "output"): unknown {
  try {
    return z.toJSONSchema(schema, { io, unrepresentable: "any" });
  } catch (error) {
    return { description: `not expressible as JSON Schema: ${(error as Error).message}` };
  }
}
