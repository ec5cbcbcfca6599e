import type { AnyStateMachine } from "xstate";
import { constructOf } from "../flows/registry.ts";
import type { StateInfo } from "./state-info.ts";

interface NodeLike {
  key: string;
  type: string;
  meta?: { catena?: StateInfo };
  always?: readonly EdgeLike[];
  transitions: Map<string, readonly EdgeLike[]>;
}
interface EdgeLike {
  target?: readonly { key: string }[];
  description?: string;
}

const EVENT_LABEL: Record<string, string> = {
  "step.done": "done",
  "step.error": "error",
  "delay.done": "after backoff",
  "review.decision": "decision",
};

/** Draws a chain's machine as a Mermaid state diagram. */
export function machineToMermaid(machine: AnyStateMachine): string {
  const nodes = machine.root.states as Record<string, NodeLike>;
  const ids = new Map<string, string>();
  for (const [i, key] of Object.keys(nodes).entries()) ids.set(key, `s${i}`);
  const id = (key: string): string => ids.get(key) ?? key;
  const lines = ["stateDiagram-v2"];
  for (const [key, node] of Object.entries(nodes)) {
    const info = node.meta?.catena;
    if (info?.kind === "final") continue;
    lines.push(`  state "${label(key, info)}" as ${id(key)}`);
  }
  lines.push(`  [*] --> ${id(String(machine.config.initial))}`);
  const edge = (from: string, to: string, text: string): void => {
    const target = nodes[to]?.meta?.catena?.kind === "final" ? `${finalId(to)}` : id(to);
    lines.push(`  ${id(from)} --> ${target}${text ? ` : ${text.replace(/[:;]/g, " ")}` : ""}`);
  };
  const finals = new Set<string>();
  for (const [key, node] of Object.entries(nodes)) {
    if (node.type === "final") {
      finals.add(key);
      continue;
    }
    for (const t of node.always ?? []) {
      const to = t.target?.[0]?.key;
      if (to) edge(key, to, t.description ?? "");
    }
    for (const [event, list] of node.transitions) {
      for (const t of list) {
        const to = t.target?.[0]?.key;
        if (to) edge(key, to, t.description ?? EVENT_LABEL[event] ?? event);
      }
    }
  }
  for (const f of finals) {
    lines.push(`  state "${f.slice(1)}" as ${finalId(f)}`);
    lines.push(`  ${finalId(f)} --> [*]`);
  }
  return `${lines.join("\n")}\n`;
}

function finalId(key: string): string {
  return `end_${key.slice(1)}`;
}

function label(key: string, info: StateInfo | undefined): string {
  if (!info) return key;
  switch (info.kind) {
    case "step":
      return info.tier ? `${key} (${info.step.kind}, tier)` : `${key} (${info.step.kind})`;
    case "delay":
      return `${key} (backoff)`;
    case "effect": {
      const construct = constructOf(info.node);
      return `${key} (${construct.describe ? construct.describe(info.node) : info.node.type})`;
    }
    case "review":
      return `${key} (review)`;
    case "branch":
      return `${key} (choice)`;
    default:
      return key;
  }
}
