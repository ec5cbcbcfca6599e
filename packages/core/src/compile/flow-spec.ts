import { z } from "zod";
import { functionSource } from "../steps/function-source.ts";
import type { FlowNode, JsonValue } from "../types.ts";

/**
 * The behaviour-defining description of a flow: step specs, thresholds, guard and selector source,
 * retry bounds. It is what the fingerprint hashes, so timeouts and other run settings stay out.
 */
export function flowSpec(node: FlowNode): JsonValue {
  switch (node.type) {
    case "step":
      return {
        step: node.name,
        kind: node.kind,
        spec: node.spec,
        ...(node.threshold === undefined ? {} : { threshold: node.threshold }),
      };
    case "sequence":
      return { sequence: node.nodes.map(flowSpec) };
    case "assign":
      return { assign: node.key, node: flowSpec(node.node) };
    case "branch":
      return {
        branch: node.name,
        cases: node.cases.map((c) => ({
          label: c.label,
          when: functionSource(c.when),
          flow: flowSpec(c.flow),
        })),
        otherwise: node.otherwise === undefined ? null : flowSpec(node.otherwise),
      };
    case "cascade":
      return {
        cascade: node.name,
        onExhausted: node.onExhausted,
        tiers: node.tiers.map((t) => ({
          threshold: t.threshold,
          accept: t.accept ? functionSource(t.accept) : null,
          step: flowSpec(t.step),
        })),
      };
    case "retry":
      return {
        retry: node.name,
        attempts: node.attempts,
        backoff: { ...node.backoff },
        retryOn: node.retryOn ? functionSource(node.retryOn) : null,
        node: flowSpec(node.node),
      };
    case "map":
      return {
        map: node.name,
        over: functionSource(node.over),
        concurrency: node.concurrency,
        node: flowSpec(node.node),
      };
    case "review":
      return {
        review: node.name,
        prompt: node.prompt ?? null,
        apply: node.apply ? functionSource(node.apply) : null,
        decision: node.decision ? schemaSpec(node.decision) : null,
      };
  }
}

/** The JSON Schema of a zod schema; parts JSON Schema cannot express (transforms, refinements) become `{}`. */
export function schemaSpec(schema: unknown): JsonValue {
  try {
    return z.toJSONSchema(schema as z.ZodType, { unrepresentable: "any", io: "input" }) as JsonValue;
  } catch {
    return { unrepresentable: true };
  }
}
