import type { AuditOptions, AuditPick } from "@catena/core";
import type { Command } from "commander";
import { CliError } from "../cli-error.ts";
import { parseShare } from "../share-option.ts";

/** `--audit`, `--audit-pick` and `--audit-seed` of `catena batch`. */
export interface AuditCliOptions {
  audit?: string;
  auditPick: string;
  auditSeed?: string;
}

/** Registers the audit flags on a command that runs a chain. */
export function addAuditOptions(command: Command): Command {
  return command
    .option(
      "--audit <share>",
      "also ask the LLM tier on this share of the cheap tiers' answers (0.1 or 10%), traced with the audit tag; the output is unchanged",
    )
    .option(
      "--audit-pick <pick>",
      "which answers --audit prefers: random, or uncertain (closest to their tier's threshold)",
      "random",
    )
    .option(
      "--audit-seed <seed>",
      "seed of the audit draw: the same seed audits the same items (default: none)",
    );
}

/**
 * The `audit` run option the flags ask for (undefined without `--audit`). The share is above 0 and
 * at most 1 (a number or a percentage); `--audit-pick` or `--audit-seed` without `--audit` are
 * refused: they would be ignored, and the user left thinking audits ran.
 */
export function auditOption(
  options: AuditCliOptions,
  command: Pick<Command, "getOptionValueSource">,
): AuditOptions | undefined {
  if (options.audit === undefined) {
    for (const [key, flag] of [
      ["auditPick", "--audit-pick"],
      ["auditSeed", "--audit-seed"],
    ] as const)
      if (command.getOptionValueSource(key) === "cli")
        throw new CliError(`${flag} needs --audit <share>, the share of the cheap tiers' answers to audit.`);
    return undefined;
  }
  const share = parseShare(options.audit, "--audit", { zero: false });
  if (options.auditPick !== "random" && options.auditPick !== "uncertain")
    throw new CliError(`--audit-pick must be random or uncertain, got "${options.auditPick}".`);
  return {
    share,
    pick: options.auditPick as AuditPick,
    ...(options.auditSeed === undefined ? {} : { seed: options.auditSeed }),
  };
}
