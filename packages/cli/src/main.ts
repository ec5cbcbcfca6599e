import { type Command, CommanderError } from "commander";
import type { CommandContext } from "./command-context.ts";
import { ExitCode, type ExitCodeValue } from "./exit-codes.ts";
import { jsonText } from "./format/json-text.ts";
import { type CliIO, processIO } from "./io.ts";
import { buildProgram } from "./program.ts";
import { reportError, usageErrorJson } from "./report-error.ts";

/**
 * Runs the `catena` command line and resolves to the exit code; it never calls `process.exit`, so
 * that output is flushed. Errors are printed as one line `catena: <message>` (with the stack under
 * `--verbose`).
 *
 * @example
 * process.exitCode = await main(process.argv);
 */
export async function main(
  argv: readonly string[] = process.argv,
  io: CliIO = processIO(),
): Promise<ExitCodeValue> {
  let exitCode: ExitCodeValue = ExitCode.ok;
  const ctx: CommandContext = { io, setExitCode: (code) => (exitCode = code) };
  let program: Command | undefined;
  try {
    program = await buildProgram(ctx, argv);
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end with exit code 0; every other commander error is a usage error.
      if (error.exitCode === 0) return ExitCode.ok;
      // Commander printed the one line on stderr already; scripts asking for --json get JSON too.
      if (argv.includes("--json")) io.out(jsonText({ status: "error", error: usageErrorJson(error) }));
      return ExitCode.usage;
    }
    const opts = program?.opts<{ verbose?: boolean; json?: boolean }>() ?? {};
    return reportError(io, error, {
      verbose: opts.verbose === true || argv.includes("--verbose"),
      json: opts.json === true || argv.includes("--json"),
    });
  }
}
