import { ChainDefinitionError } from "../errors/errors.ts";
import { nodeName } from "../flows/node-name.ts";
import { constructOf } from "../flows/registry.ts";
import type { CascadeNode, FlowNode } from "../types.ts";

/** A cascade of a flow and the nodes that run before it on the way from the chain's input. */
export interface LocatedCascade {
  cascade: CascadeNode;
  /**
   * Nodes run in order before the cascade (empty when the cascade gets the chain's input), or null
   * when it sits inside a branch, map or retry and its input depends on the path taken.
   */
  before: FlowNode[] | null;
  /** The construct it sits inside, when `before` is null. */
  inside?: string;
}

/**
 * Finds the cascade named `name` (or the only cascade) in a flow and the nodes that precede it
 * through sequences and assigns. Throws a `ChainDefinitionError` when there is none, or several and
 * no name.
 */
export function findCascade(chain: string, flow: FlowNode, name?: string): LocatedCascade {
  const found: LocatedCascade[] = [];
  const walk = (node: FlowNode, before: FlowNode[] | null, inside: string): void => {
    if (node.type === "cascade") {
      found.push(before ? { cascade: node, before } : { cascade: node, before: null, inside });
      return;
    }
    const construct = constructOf(node);
    const nodes = construct.children(node);
    if (construct.childInputs === "threaded") {
      const prefix = before ? [...before] : null;
      for (const n of nodes) {
        walk(n, prefix ? [...prefix] : null, inside);
        prefix?.push(n);
      }
    } else if (construct.childInputs === "passed") {
      for (const n of nodes) walk(n, before, inside);
    } else {
      // Which children run, or on what, depends on the path taken: what precedes them is unknown.
      const where = `${node.type} "${nodeName(node)}"`;
      for (const n of nodes) walk(n, null, where);
    }
  };
  walk(flow, [], "");
  const matching = name === undefined ? found : found.filter((f) => f.cascade.name === name);
  if (matching.length === 0) {
    const names = found.map((f) => f.cascade.name);
    throw new ChainDefinitionError(
      name === undefined
        ? `calibrate: chain "${chain}" has no cascade to calibrate.`
        : `calibrate: chain "${chain}" has no cascade "${name}" (cascades: ${names.join(", ") || "none"}).`,
      { details: { chain, cascade: name, cascades: names } },
    );
  }
  if (matching.length > 1) {
    throw new ChainDefinitionError(
      `calibrate: chain "${chain}" has several cascades (${matching.map((f) => f.cascade.name).join(", ")}); name one with the \`cascade\` option.`,
      { details: { chain, cascades: matching.map((f) => f.cascade.name) } },
    );
  }
  return matching[0] as LocatedCascade;
}
