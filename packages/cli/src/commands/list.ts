import type { Command } from "commander";
import { loadChains } from "../chains/load-chains.ts";
import type { CommandContext } from "../command-context.ts";
import { jsonText } from "../format/json-text.ts";
import { shortFingerprint } from "../format/short-fingerprint.ts";
import { table } from "../format/table.ts";
import { truncate } from "../format/truncate.ts";
import { globalOptions } from "../global-options.ts";

/** One chain as `catena list --json` prints it. */
export interface ListedChain {
  name: string;
  version: string;
  id: string;
  fingerprint: string;
  description: string;
  /** `built-in` or the module that exported it. */
  source: string;
  steps: number;
}

/** Registers `catena list`: every known chain with its version and fingerprint. */
export function registerListCommand(program: Command, ctx: CommandContext): void {
  program
    .command("list")
    .description("list the known chains with their versions and fingerprints")
    .action(async (_options: unknown, command: Command) => {
      const globals = globalOptions(command);
      const { registry, sourceOf } = await loadChains({ cwd: ctx.io.cwd, modules: globals.chains });
      const chains = registry.list().map(
        (c): ListedChain => ({
          name: c.name,
          version: c.version,
          id: c.id,
          fingerprint: c.fingerprint,
          description: c.description,
          source: sourceOf(c),
          steps: c.steps.length,
        }),
      );
      if (globals.json) {
        ctx.io.out(jsonText(chains));
        return;
      }
      if (chains.length === 0) {
        ctx.io.out("No chains. Load your own with --chains <module> or catena.config.json.\n");
        return;
      }
      const rows = chains.map((c) => [
        c.name,
        c.version,
        shortFingerprint(c.fingerprint),
        c.source,
        truncate(c.description, 60),
      ]);
      ctx.io.out(table([["NAME", "VERSION", "FINGERPRINT", "SOURCE", "DESCRIPTION"], ...rows]));
    });
}
