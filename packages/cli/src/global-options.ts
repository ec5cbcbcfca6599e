import type { Command } from "commander";

/** Options every command accepts (declared on the program, read with `optsWithGlobals`). */
export interface GlobalOptions {
  /** Modules whose exported chains are loaded besides the built-in ones. */
  chains: string[];
  /** Print stacks and causes on errors. */
  verbose: boolean;
  /** Machine-readable output on stdout. */
  json: boolean;
  /** Trace runs (to LangSmith or the local studio); false with `--no-trace`. */
  trace: boolean;
}

/** Reads the global options as seen by a (sub)command. */
export function globalOptions(command: Command): GlobalOptions {
  const opts = command.optsWithGlobals<Partial<GlobalOptions>>();
  return {
    chains: opts.chains ?? [],
    verbose: opts.verbose === true,
    json: opts.json === true,
    trace: opts.trace !== false,
  };
}
