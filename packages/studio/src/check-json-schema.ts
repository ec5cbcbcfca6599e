import { editDistance } from "./edit-distance.ts";

/** The subset of JSON Schema (as zod's `toJSONSchema` writes it) that forms and checks use. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  description?: string;
  title?: string;
  anyOf?: JsonSchema[];
  additionalProperties?: boolean | JsonSchema;
}

/**
 * Checks `value` against the JSON Schema subset zod writes (types, required properties, enums,
 * constants, bounds, arrays, `anyOf`) and returns what is wrong, one line per problem, each naming
 * the path (`$.label`); an empty list when it fits. The page checks as the reviewer types, and the
 * studio checks the same way when feedback with a correction arrives (correction-schema.ts).
 */
export function checkJsonSchema(value: unknown, schema: JsonSchema, path = "$"): string[] {
  if (schema.anyOf !== undefined) {
    const fits = schema.anyOf.some((option) => checkJsonSchema(value, option, path).length === 0);
    return fits ? [] : [`${path} matches none of the allowed forms`];
  }
  if (schema.const !== undefined && JSON.stringify(value) !== JSON.stringify(schema.const)) {
    return [`${path} must be ${JSON.stringify(schema.const)}`];
  }
  if (schema.enum !== undefined && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    return [enumProblem(path, value, schema.enum)];
  }
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.length > 0 && !types.some((t) => isType(value, t))) {
    return [`${path} must be ${types.join(" or ")} (got ${kindOf(value)})`];
  }
  const problems: string[] = [];
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum)
      problems.push(`${path} must be ≥ ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum)
      problems.push(`${path} must be ≤ ${schema.maximum}`);
  }
  if (typeof value === "string") {
    if (schema.minLength !== undefined && value.length < schema.minLength)
      problems.push(`${path} must have at least ${schema.minLength} characters`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength)
      problems.push(`${path} must have at most ${schema.maxLength} characters`);
  }
  if (Array.isArray(value) && schema.items !== undefined) {
    const items = schema.items;
    value.forEach((item, i) => {
      problems.push(...checkJsonSchema(item, items, `${path}[${i}]`));
    });
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    for (const key of schema.required ?? []) {
      if (!(key in record)) problems.push(`${path}.${key} is required`);
    }
    for (const [key, child] of Object.entries(schema.properties ?? {})) {
      if (key in record) problems.push(...checkJsonSchema(record[key], child, `${path}.${key}`));
    }
    if (schema.additionalProperties === false) {
      for (const key of Object.keys(record)) {
        if (!(key in (schema.properties ?? {}))) problems.push(`${path}.${key} is not allowed`);
      }
    }
  }
  return problems;
}

/** Allowed values listed in full; past this many, the closest ones (a labelling chain has dozens). */
const ENUM_LISTED = 8;

/**
 * What is wrong with a value outside an enum: the allowed values when they are few; else the
 * closest by edit distance (a mistyped label is the usual case), a "did you mean" when one is
 * near enough, and how many there are.
 */
function enumProblem(path: string, value: unknown, allowed: readonly unknown[]): string {
  const shown = (values: readonly unknown[]) => values.map((e) => JSON.stringify(e)).join(", ");
  if (allowed.length <= ENUM_LISTED) return `${path} must be one of ${shown(allowed)}`;
  const given = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  const ranked = allowed
    .map((option, index) => ({
      option,
      index,
      distance: editDistance(
        given.toLowerCase(),
        (typeof option === "string" ? option : JSON.stringify(option)).toLowerCase(),
      ),
    }))
    .sort((x, y) => x.distance - y.distance || x.index - y.index);
  const best = ranked[0];
  const closest = ranked.slice(0, 3).map((r) => r.option);
  // Near enough to be a typo: at most a third of the word changed (and at least two edits allowed).
  const guess =
    best !== undefined && best.distance <= Math.max(2, Math.floor(given.length / 3))
      ? ` Did you mean ${JSON.stringify(best.option)}?`
      : "";
  return `${path} must be one of the ${allowed.length} allowed values, and ${JSON.stringify(value)} is not.${guess} Closest: ${shown(closest)}.`;
}

function isType(value: unknown, type: string): boolean {
  switch (type) {
    case "integer":
      return Number.isInteger(value);
    case "number":
      return typeof value === "number";
    case "array":
      return Array.isArray(value);
    case "null":
      return value === null;
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    default:
      return typeof value === type;
  }
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  return Array.isArray(value) ? "array" : typeof value;
}
