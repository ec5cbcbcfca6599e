import { DatasetError } from "../errors/ml-errors.ts";
import type { DatasetExample } from "./dataset.ts";
import { SPLIT_METADATA_KEY } from "./example-content.ts";

/** One record read from a file, with its line. */
export interface RawExample {
  record: Record<string, unknown>;
  line: number;
  /** CSV cells are strings: an empty output or metadata cell means "none". */
  csv: boolean;
}

/** Which fields of a flat record are inputs and which are the reference output. */
export interface FieldMapping {
  inputFields?: readonly string[];
  outputFields?: readonly string[];
}

/** Keys of a flat record that are never inputs or outputs. */
const RESERVED = new Set(["id", "split", "splits", "metadata"]);

/** The mapping the options give: explicit fields first, else the chain's object schema keys. */
export function fieldMapping(options: {
  inputFields?: readonly string[];
  outputFields?: readonly string[];
  chain?: { readonly input: unknown; readonly output: unknown };
}): FieldMapping {
  const inputFields = options.inputFields ?? schemaKeys(options.chain?.input);
  const outputFields = options.outputFields ?? schemaKeys(options.chain?.output);
  return {
    ...(inputFields === undefined ? {} : { inputFields }),
    ...(outputFields === undefined ? {} : { outputFields }),
  };
}

/** The keys of a zod object schema (`z.object({...}).shape`), else undefined. */
function schemaKeys(schema: unknown): string[] | undefined {
  const shape = (schema as { shape?: unknown } | undefined)?.shape;
  return typeof shape === "object" && shape !== null ? Object.keys(shape) : undefined;
}

/**
 * Turns one record into an example (without its id unless the record names one): the LangSmith
 * shape when it has an `inputs` object, else a flat record split by `mapping`.
 */
export function recordToExample(
  raw: RawExample,
  mapping: FieldMapping,
  shownAs: string,
): Omit<DatasetExample, "id"> & { id?: string; line: number } {
  const { record, line } = raw;
  const fail = (problem: string): never => {
    throw new DatasetError(`${shownAs} line ${line} ${problem}`, { details: { path: shownAs, line } });
  };
  const metadata = objectField(record, "metadata", fail) ?? {};
  const { [SPLIT_METADATA_KEY]: metaSplits, ...restMetadata } = metadata;
  const splits = splitsOf(record.splits ?? record.split ?? metaSplits, fail);
  const id = record.id;
  if (id !== undefined && (typeof id !== "string" || id === ""))
    fail('has an "id" that is not a non-empty string.');
  let inputs: Record<string, unknown>;
  let outputs: Record<string, unknown> | undefined;
  let extra: Record<string, unknown> = {};
  if (typeof record.inputs === "object" && record.inputs !== null && !Array.isArray(record.inputs)) {
    inputs = record.inputs as Record<string, unknown>;
    outputs = objectField(record, "outputs", fail) ?? objectField(record, "reference_outputs", fail);
  } else if (record.inputs !== undefined && !raw.csv) {
    return fail('has "inputs" that is not an object: give {"inputs": {...}} or a flat record.');
  } else {
    const fields = Object.keys(record).filter((k) => !RESERVED.has(k));
    const { inputFields, outputFields } = mapping;
    const inputKeys =
      inputFields ?? fields.filter((k) => outputFields === undefined || !outputFields.includes(k));
    const outputKeys =
      outputFields ?? (inputFields === undefined ? [] : fields.filter((k) => !inputFields.includes(k)));
    for (const key of inputFields ?? []) {
      if (!(key in record)) fail(`has no "${key}" field, an input field (fields: ${fields.join(", ")}).`);
    }
    inputs = pick(record, inputKeys, false);
    const picked = pick(record, outputKeys, raw.csv);
    outputs = Object.keys(picked).length > 0 ? picked : undefined;
    if (inputFields !== undefined && outputFields !== undefined) {
      // Neither side: kept as metadata rather than dropped.
      extra = pick(
        record,
        fields.filter((k) => !inputFields.includes(k) && !outputFields.includes(k)),
        raw.csv,
      );
    }
  }
  const allMetadata = { ...extra, ...restMetadata };
  return {
    ...(typeof id === "string" ? { id } : {}),
    inputs,
    ...(outputs === undefined ? {} : { outputs }),
    ...(splits.length === 0 ? {} : { splits }),
    ...(Object.keys(allMetadata).length === 0 ? {} : { metadata: allMetadata }),
    source: `${shownAs}:${line}`,
    line,
  };
}

function pick(
  record: Record<string, unknown>,
  keys: readonly string[],
  skipEmpty: boolean,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const value = record[key];
    if (value === undefined || (skipEmpty && value === "")) continue;
    out[key] = value;
  }
  return out;
}

function objectField(
  record: Record<string, unknown>,
  key: string,
  fail: (problem: string) => never,
): Record<string, unknown> | undefined {
  const value = record[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) return fail(`has "${key}" that is not an object.`);
  return value as Record<string, unknown>;
}

function splitsOf(value: unknown, fail: (problem: string) => never): string[] {
  if (value === undefined || value === null) return [];
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || !list.every((s) => typeof s === "string" && s !== "")) {
    return fail(
      'has a "split" that is neither a split name nor a list of them, e.g. "dev" or ["dev", "hard"].',
    );
  }
  return [...new Set(list as string[])];
}
