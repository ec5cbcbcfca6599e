import type { ChainRegistry, ShadowOptions } from "@catena/core";
import type { Command } from "commander";
import { CliError } from "../cli-error.ts";

/** `--shadow` and `--shadow-share` of `catena run` and `catena batch`. */
export interface ShadowCliOptions {
  shadow?: string;
  shadowShare: string;
}

/**
 * The `shadow` run option the flags ask for (undefined without `--shadow`), the candidate looked up
 * in `registry`. `command` tells whether the user gave `--shadow-share` (its source is "cli"): the
 * value alone cannot, as `--shadow-share 1` equals the default.
 */
export function shadowOption(
  registry: ChainRegistry,
  options: ShadowCliOptions,
  command: Pick<Command, "getOptionValueSource">,
): ShadowOptions | undefined {
  if (options.shadow === undefined) {
    // A share with no candidate would be ignored, and the user left thinking a shadow ran.
    if (command.getOptionValueSource("shadowShare") === "cli")
      throw new CliError(
        "--shadow-share needs --shadow <chain@version>, the candidate to run beside the chain.",
      );
    return undefined;
  }
  const share = Number(options.shadowShare);
  if (!(share >= 0 && share <= 1))
    throw new CliError(`--shadow-share must be a number from 0 to 1 (got "${options.shadowShare}").`);
  return { chain: registry.get(options.shadow), share };
}
