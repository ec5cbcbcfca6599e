import { z } from "zod";
import type { JsonValue } from "../types.ts";

/** The JSON Schema of a zod schema; parts JSON Schema cannot express (transforms, refinements) become `{}`. */
export function schemaSpec(schema: unknown): JsonValue {
  try {
    return z.toJSONSchema(schema as z.ZodType, { unrepresentable: "any", io: "input" }) as JsonValue;
  } catch {
    return { unrepresentable: true };
  }
}
