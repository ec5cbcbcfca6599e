import type { AnyStateMachine } from "xstate";
import type { z } from "zod";
import { ChainDefinitionError } from "../errors/errors.ts";
import { flowNodes } from "../flows/children.ts";
import type { AnyStep, FlowNode, JsonValue } from "../types.ts";
import { fingerprintOf } from "../versioning/fingerprint.ts";
import type { Chain, ChainDefinition } from "./chain.ts";
import { checkInputKeys } from "./check-input-keys.ts";
import { compileFlow } from "./compile-flow.ts";
import { flowSpec, schemaSpec } from "./flow-spec.ts";
import { machineToMermaid } from "./to-mermaid.ts";

const CHAIN_NAME = /^[a-z][a-z0-9-]*$/;

/**
 * A semantic version exactly as written, per the regular expression semver.org publishes, without
 * build metadata: what `semver.valid(v) === v` accepts. Loading the semver package would cost
 * every process start more than the check itself.
 */
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?$/;

/**
 * Validates a chain definition and compiles its flow into an xstate machine with a fingerprint.
 * Throws a `ChainDefinitionError` that names the problem (duplicate step names, bad semver, empty
 * flows, missing schemas, unreachable states).
 *
 * @example
 * const chain = defineChain({ name: "greet", version: "1.0.0", input: z.string(), output: z.string(),
 *   flow: code("hello", (name: string) => `hello ${name}`) });
 */
export function defineChain<
  TInputSchema extends z.ZodType,
  TOutputSchema extends z.ZodType,
  TDecision = never,
>(
  definition: ChainDefinition<TInputSchema, TOutputSchema, TDecision>,
): Chain<z.input<TInputSchema>, z.output<TOutputSchema>, TDecision> {
  const { name, version } = definition;
  if (typeof name !== "string" || !CHAIN_NAME.test(name)) {
    throw new ChainDefinitionError(
      `Chain name "${String(name)}" is invalid; use lowercase letters, digits and "-", starting with a letter (e.g. "support-triage").`,
      { details: { name } },
    );
  }
  if (typeof version !== "string" || !SEMVER.test(version)) {
    throw new ChainDefinitionError(
      `Chain "${name}": version "${String(version)}" is not valid semver; write it like "1.0.0".`,
      {
        details: { chain: name, version },
      },
    );
  }
  for (const key of ["input", "output"] as const) {
    const schema = definition[key] as unknown;
    if (typeof (schema as { safeParse?: unknown } | undefined)?.safeParse !== "function") {
      throw new ChainDefinitionError(
        `Chain "${name}": the ${key} schema is missing; give a zod schema as \`${key}\`.`,
        {
          details: { chain: name, field: key },
        },
      );
    }
  }
  if (definition.flow === undefined) {
    throw new ChainDefinitionError(
      `Chain "${name}": the flow is missing; give \`flow: sequence(...)\` or a single step.`,
    );
  }
  const id = `${name}@${version}`;
  const flow = definition.flow as FlowNode;
  const compiled = compileFlow(name, flow);
  assertReachable(name, compiled.machine);
  checkInputKeys(name, () => schemaSpec(definition.input), flow);
  const steps = collectSteps(flow);
  // The spec and fingerprint are worked out on first use, not here: they need every schema's JSON
  // Schema and every code step's parsed source, which a plain `run` (no trace, no lock) never reads.
  let spec: JsonValue | undefined;
  let fingerprint: string | undefined;
  const specOf = (): JsonValue => {
    spec ??= {
      name,
      input: schemaSpec(definition.input),
      output: schemaSpec(definition.output),
      flow: flowSpec(flow),
    };
    return spec;
  };
  return {
    name,
    version,
    id,
    description: definition.description ?? "",
    input: definition.input as unknown as z.ZodType<unknown, z.input<TInputSchema>>,
    output: definition.output as unknown as z.ZodType<z.output<TOutputSchema>, unknown>,
    flow,
    machine: compiled.machine,
    get fingerprint() {
      fingerprint ??= fingerprintOf(specOf());
      return fingerprint;
    },
    steps,
    metadata: definition.metadata ?? {},
    examples: definition.examples ?? [],
    compiled,
    toMermaid: () => machineToMermaid(compiled.machine),
    spec: specOf,
  };
}

function collectSteps(flow: FlowNode): AnyStep[] {
  const steps: AnyStep[] = [];
  for (const node of flowNodes(flow)) if (node.type === "step") steps.push(node);
  return steps;
}

interface ReachNode {
  always?: readonly { target?: readonly { key: string }[] }[];
  transitions: Map<string, readonly { target?: readonly { key: string }[] }[]>;
}

function assertReachable(chain: string, machine: AnyStateMachine): void {
  const nodes = machine.root.states as Record<string, ReachNode>;
  const seen = new Set<string>([String(machine.config.initial)]);
  const queue = [...seen];
  while (queue.length > 0) {
    const node = nodes[queue.pop() as string];
    if (!node) continue;
    const edges = [...(node.always ?? []), ...[...node.transitions.values()].flat()];
    for (const e of edges) {
      const to = e.target?.[0]?.key;
      if (to !== undefined && !seen.has(to)) {
        seen.add(to);
        queue.push(to);
      }
    }
  }
  const unreachable = Object.keys(nodes).filter((k) => !seen.has(k));
  if (unreachable.length > 0) {
    throw new ChainDefinitionError(
      `Chain "${chain}": states ${unreachable.join(", ")} can never be reached; remove them.`,
      {
        details: { chain, unreachable },
      },
    );
  }
}
