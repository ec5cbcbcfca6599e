import type { AnyChain } from "@catena/core";
import { CliError } from "../cli-error.ts";
import { jsonSchemaOf } from "../format/json-schema-of.ts";

/** Which output field `catena eval` compares with the expected value, and the values it may take. */
export interface LabelField {
  field: string;
  /** The field's allowed values, when the output schema lists them (an enum). */
  labels?: readonly string[];
}

interface ObjectSchema {
  properties?: Record<string, { enum?: unknown[]; type?: unknown; const?: unknown }>;
}

/**
 * The label field of a chain's declared output: `--label-field` when given (it must be an output
 * field), else `label` when the output has one, else its only enum field (support-triage's `queue`).
 * Anything else is a usage error that lists the fields and asks for `--label-field`.
 *
 * @example
 * labelFieldOf(supportTriage).field // "queue"
 */
export function labelFieldOf(chain: AnyChain, given?: string): LabelField {
  const schema = jsonSchemaOf(chain.output, "output") as ObjectSchema;
  const properties = schema.properties ?? {};
  const names = Object.keys(properties);
  const enumOf = (field: string): string[] | undefined => {
    const values = properties[field]?.enum;
    return Array.isArray(values) && values.every((v) => typeof v === "string")
      ? (values as string[])
      : undefined;
  };
  const found = (field: string): LabelField => {
    const labels = enumOf(field);
    return labels ? { field, labels } : { field };
  };
  if (given !== undefined) {
    if (names.length > 0 && !names.includes(given)) {
      throw new CliError(
        `--label-field ${given} is not a field of ${chain.id}'s output (fields: ${names.join(", ")}).`,
      );
    }
    return found(given);
  }
  if (names.includes("label")) return found("label");
  const enums = names.filter((n) => enumOf(n) !== undefined);
  if (enums.length === 1) return found(enums[0] as string);
  throw new CliError(
    `cannot tell which output field of ${chain.id} holds the label (fields: ${names.join(", ") || "none"}${enums.length > 1 ? `; several are enums: ${enums.join(", ")}` : ""}); name it with --label-field <field>.`,
  );
}
