import type { AnyChain } from "@catena/core";
import type { Command } from "commander";
import { loadChains } from "../chains/load-chains.ts";
import type { CommandContext } from "../command-context.ts";
import { jsonSchemaOf } from "../format/json-schema-of.ts";
import { jsonText } from "../format/json-text.ts";
import { table } from "../format/table.ts";
import { globalOptions } from "../global-options.ts";

/** What `catena describe --json` prints. */
export interface ChainDescription {
  name: string;
  version: string;
  id: string;
  fingerprint: string;
  description: string;
  source: string;
  /** Every version of this chain that is loaded, oldest first. */
  versions: string[];
  steps: Array<{ name: string; kind: string }>;
  input: unknown;
  output: unknown;
  mermaid: string;
  examples: readonly unknown[];
}

/** The description of a chain, as data. */
export function describeChain(chain: AnyChain, source: string, versions: string[]): ChainDescription {
  return {
    name: chain.name,
    version: chain.version,
    id: chain.id,
    fingerprint: chain.fingerprint,
    description: chain.description,
    source,
    versions,
    steps: chain.steps.map((s) => ({ name: s.name, kind: s.kind })),
    input: jsonSchemaOf(chain.input, "input"),
    output: jsonSchemaOf(chain.output, "output"),
    mermaid: chain.toMermaid(),
    examples: chain.examples,
  };
}

/** Registers `catena describe <chain[@version]>`: steps, schemas, graph and examples of one chain. */
export function registerDescribeCommand(program: Command, ctx: CommandContext): void {
  program
    .command("describe")
    .description("show a chain's description, steps, input/output JSON schemas and graph")
    .argument("<chain>", "chain name, or name@version (default: the latest version)")
    .action(async (ref: string, _options: unknown, command: Command) => {
      const globals = globalOptions(command);
      const { registry, sourceOf } = await loadChains({
        cwd: ctx.io.cwd,
        modules: globals.chains,
        chain: ref,
      });
      const chain = registry.get(ref);
      const versions = registry.versions(chain.name).map((c) => c.version);
      const d = describeChain(chain, sourceOf(chain), versions);
      ctx.io.out(globals.json ? jsonText(d) : describeText(d));
    });
}

function describeText(d: ChainDescription): string {
  const parts: string[] = [];
  const head = table([
    ["fingerprint", d.fingerprint],
    ["source", d.source],
    ...(d.versions.length > 1 ? [["versions", d.versions.join(", ")]] : []),
  ]);
  parts.push(`${d.id}\n${head}`);
  if (d.description) parts.push(`${d.description.trim()}\n`);
  parts.push(`Steps\n${table(d.steps.map((s) => [`  ${s.name}`, s.kind]))}`);
  parts.push(`Input schema\n${jsonText(d.input)}`);
  parts.push(`Output schema\n${jsonText(d.output)}`);
  parts.push(`Graph (mermaid)\n${d.mermaid.trimEnd()}\n`);
  if (d.examples.length > 0)
    parts.push(`Examples\n${d.examples.map((e) => `  ${JSON.stringify(e)}\n`).join("")}`);
  return parts.join("\n");
}
