import { constructOf } from "../flows/registry.ts";
import type { FlowNode, JsonValue } from "../types.ts";

export { schemaSpec } from "./schema-spec.ts";

/**
 * The behaviour-defining description of a flow: step specs, thresholds, guard and selector source,
 * retry bounds. It is what the fingerprint hashes, so timeouts and other run settings stay out.
 * Each construct says what of it counts (`spec` in its module).
 */
export function flowSpec(node: FlowNode): JsonValue {
  return constructOf(node).spec(node, flowSpec);
}
