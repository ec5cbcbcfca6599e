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
  if (schema.enum !== undefined) {
    // Serialised once, not once per allowed value (a correction can be megabytes).
    const json = JSON.stringify(value);
    if (!schema.enum.some((e) => JSON.stringify(e) === json)) return [enumProblem(path, value, schema.enum)];
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
/** How many of the closest allowed values a problem names. */
const CLOSEST_SHOWN = 3;
/**
 * Characters of a value (and of an allowed value) compared by edit distance: the work per allowed
 * value stays bounded (100 × 100) whatever the size of a correction (the studio takes bodies of
 * 32 MB), and a label is far shorter.
 */
const COMPARED_CHARS = 100;
/** Characters of a long wrong value quoted back in the problem. */
const QUOTED_CHARS = 40;

/**
 * What is wrong with a value outside an enum: the allowed values when they are few; else the
 * closest by edit distance (a mistyped label is the usual case), a "did you mean" when one is
 * near enough, and how many there are. A value far longer than every allowed value is no mistyped
 * label: it is not ranked, and the problem says how long it is.
 */
function enumProblem(path: string, value: unknown, allowed: readonly unknown[]): string {
  const shown = (values: readonly unknown[]) => values.map((e) => JSON.stringify(e)).join(", ");
  if (allowed.length <= ENUM_LISTED) return `${path} must be one of ${shown(allowed)}`;
  const given = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  const quoted =
    given.length <= QUOTED_CHARS + 20
      ? (JSON.stringify(value) ?? given)
      : `${JSON.stringify(`${given.slice(0, QUOTED_CHARS)}…`)} (${given.length} characters)`;
  const head = `${path} must be one of the ${allowed.length} allowed values, and ${quoted} is not`;
  const texts = allowed.map((option) =>
    typeof option === "string" ? option : (JSON.stringify(option) ?? String(option)),
  );
  const longest = texts.reduce((most, text) => Math.max(most, text.length), 0);
  // More than twice the longest allowed value (and a typo's two edits): nothing to rank it against.
  if (given.length > 2 * longest + 2) {
    return `${head}: the longest allowed value has ${longest} characters.`;
  }
  const compared = given.slice(0, COMPARED_CHARS).toLowerCase();
  const closest = closestValues(
    compared,
    texts.map((text) => text.slice(0, COMPARED_CHARS).toLowerCase()),
  );
  const best = closest[0];
  // Near enough to be a typo: at most a third of the word changed (and at least two edits allowed).
  const guess =
    best !== undefined && best.distance <= Math.max(2, Math.floor(compared.length / 3))
      ? ` Did you mean ${JSON.stringify(allowed[best.index])}?`
      : "";
  return `${head}.${guess} Closest: ${shown(closest.map((c) => allowed[c.index]))}.`;
}

/**
 * The {@link CLOSEST_SHOWN} `options` nearest `given` by edit distance, nearest first (the earlier
 * option first on a tie). Each distance is bounded by the farthest one kept so far, so an option
 * that cannot be among them costs little.
 */
function closestValues(given: string, options: readonly string[]): { index: number; distance: number }[] {
  const kept: { index: number; distance: number }[] = [];
  options.forEach((option, index) => {
    const farthest = kept.length < CLOSEST_SHOWN ? undefined : kept[kept.length - 1];
    // Strictly nearer than the farthest kept, since on a tie the earlier option stays.
    const limit = farthest === undefined ? Number.POSITIVE_INFINITY : farthest.distance - 1;
    const distance = editDistance(given, option, limit);
    if (distance > limit) return;
    const at = kept.findIndex((k) => k.distance > distance);
    kept.splice(at === -1 ? kept.length : at, 0, { index, distance });
    if (kept.length > CLOSEST_SHOWN) kept.pop();
  });
  return kept;
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
