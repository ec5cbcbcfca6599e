import { ChainDefinitionError } from "../errors/errors.ts";
import { assertNever, flowNodes } from "../flows/children.ts";
import { constructOf } from "../flows/registry.ts";
import type { FlowNode, JsonValue } from "../types.ts";

/** What is known of the data flowing into a node: an object's keys, a string, or nothing. */
type DataShape = { kind: "object"; keys: ReadonlySet<string> } | { kind: "string" } | undefined;

/**
 * Checks the fields that steps read (`inputKeys`, e.g. an llm step's prompt variables) against
 * the chain's input schema, for every step that receives the chain's input: the first node of the
 * flow, every tier of a leading cascade, every case of a leading branch, and the steps after
 * `assign` nodes (which add their key). Throws a `ChainDefinitionError` naming the missing field.
 * Steps further down read other steps' outputs, whose shape is not known when the chain is defined.
 *
 * @example
 * checkInputKeys("qa", () => z.toJSONSchema(z.object({ question: z.string() })), flow)
 */
export function checkInputKeys(chain: string, inputSchema: () => JsonValue, flow: FlowNode): void {
  // The JSON Schema is costly to make (it weighs on every process start): only when a step reads keys.
  for (const node of flowNodes(flow)) {
    if (node.type === "step" && node.inputKeys !== undefined) {
      walk(chain, flow, shapeOf(inputSchema()));
      return;
    }
  }
}

function walk(chain: string, node: FlowNode, shape: DataShape): DataShape {
  if (node.type === "step") {
    if (shape !== undefined && node.inputKeys !== undefined) check(chain, node.name, node.inputKeys, shape);
    return undefined;
  }
  const construct = constructOf(node);
  switch (construct.childInputs) {
    case "threaded": {
      let current = shape;
      for (const n of construct.children(node)) current = walk(chain, n, current);
      return current;
    }
    case "passed": {
      for (const n of construct.children(node)) walk(chain, n, shape);
      // A construct that passes its input on keeps the data, plus the key it adds (an assign).
      const key = construct.addedKey?.(node);
      return key !== undefined && shape?.kind === "object"
        ? { kind: "object", keys: new Set([...shape.keys, key]) }
        : undefined;
    }
    case "shared":
      for (const n of construct.children(node)) walk(chain, n, shape);
      return undefined;
    case undefined:
      return undefined;
    default:
      return assertNever(construct.childInputs, "child input mode");
  }
}

function check(chain: string, step: string, keys: readonly string[], shape: NonNullable<DataShape>): void {
  if (shape.kind === "string") {
    if (keys.length <= 1) return;
    throw new ChainDefinitionError(
      `Chain "${chain}": step "${step}" reads ${keys.map((k) => `"${k}"`).join(", ")} from its input, but the chain's input is a string. Make the input an object with those fields, or use a single prompt variable.`,
      { details: { chain, step, missing: keys } },
    );
  }
  const missing = keys.filter((k) => !shape.keys.has(k));
  if (missing.length === 0) return;
  throw new ChainDefinitionError(
    `Chain "${chain}": step "${step}" reads ${missing.map((k) => `"${k}"`).join(", ")} from its input, but the chain's input has no such field (it has ${[...shape.keys].join(", ") || "no fields"}). Add it to the input schema, rename the prompt variable, or reshape the data with a code step first.`,
    { details: { chain, step, missing, available: [...shape.keys] } },
  );
}

function shapeOf(schema: JsonValue): DataShape {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return undefined;
  if (schema.type === "string") return { kind: "string" };
  const properties = schema.properties;
  // An object that takes other keys too (catchall, passthrough) cannot be checked key by key.
  if (schema.type !== "object" || typeof properties !== "object" || properties === null) return undefined;
  if (schema.additionalProperties !== undefined && schema.additionalProperties !== false) return undefined;
  return { kind: "object", keys: new Set(Object.keys(properties)) };
}
