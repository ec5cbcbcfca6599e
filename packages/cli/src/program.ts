import { Command, Option } from "commander";
import type { CommandContext } from "./command-context.ts";
import { registerBatchCommand } from "./commands/batch.ts";
import { registerCalibrateCommand } from "./commands/calibrate.ts";
import { registerDescribeCommand } from "./commands/describe.ts";
import { registerEvalCommand } from "./commands/eval.ts";
import { registerFeedbackCommand } from "./commands/feedback.ts";
import { registerListCommand } from "./commands/list.ts";
import { registerLockCommand } from "./commands/lock.ts";
import { registerRunCommand } from "./commands/run.ts";
import { registerStudioCommand } from "./commands/studio.ts";
import { registerStudioPruneCommand } from "./commands/studio-prune.ts";
import { registerTraceCommand } from "./commands/trace.ts";
import { registerTracesCommand } from "./commands/traces.ts";
import { registerTrainCommand } from "./commands/train.ts";
import { EXIT_CODES_HELP } from "./exit-codes.ts";
import { cliVersion } from "./version.ts";

/**
 * The `catena` command tree: global options (`--chains`, `--json`, `--verbose`) and one
 * subcommand per file under `commands/`. Commander errors are thrown (not exited on) so that
 * `main` maps them to exit code 2.
 */
export function buildProgram(ctx: CommandContext): Command {
  const program = new Command("catena")
    .description("Run, inspect and version Catena prompt chains.")
    .version(cliVersion(), "-V, --version", "print the version")
    .addOption(
      new Option(
        "--chains <module>",
        "also load the chains exported by this .ts/.js module (repeatable)",
      ).argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]),
    )
    .option("--json", "machine-readable JSON on stdout")
    .option("--verbose", "print stacks and causes on errors")
    .option(
      "--no-trace",
      "do not trace runs (traces go to LangSmith when LANGSMITH_API_KEY is set, else to the local studio)",
    )
    .addHelpText(
      "after",
      `\nChains: the built-in ones (@catena/chains), those of the modules in catena.config.json
({ "chains": ["./my-chains.ts"] }) and those given with --chains.\n\n${EXIT_CODES_HELP}\n`,
    )
    .showSuggestionAfterError()
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.io.out(text),
      writeErr: (text) => ctx.io.err(text),
      outputError: (text, write) => write(`catena: ${text.replace(/^error: /, "")}`),
    });
  registerListCommand(program, ctx);
  registerDescribeCommand(program, ctx);
  registerRunCommand(program, ctx);
  registerBatchCommand(program, ctx);
  registerLockCommand(program, ctx);
  registerStudioCommand(program, ctx);
  const studio = program.commands.find((c) => c.name() === "studio");
  if (studio !== undefined) registerStudioPruneCommand(studio, ctx);
  registerTracesCommand(program, ctx);
  registerTraceCommand(program, ctx);
  registerFeedbackCommand(program, ctx);
  registerTrainCommand(program, ctx);
  registerCalibrateCommand(program, ctx);
  registerEvalCommand(program, ctx);
  for (const command of program.commands) {
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
  }
  return program;
}
