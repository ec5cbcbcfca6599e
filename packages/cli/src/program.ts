import { Command, Option } from "commander";
import type { CommandContext } from "./command-context.ts";
import { EXIT_CODES_HELP } from "./exit-codes.ts";
import { cliVersion } from "./version.ts";

/** Adds one subcommand to the program. */
type RegisterCommand = (program: Command, ctx: CommandContext) => void;

/**
 * The subcommands, in help order, each loaded only when needed: a command's module pulls in what it
 * uses (the chains, tracing and LangSmith, the studio, progress bars), and `catena run` on a regex
 * chain should not pay for the others' imports.
 */
const COMMANDS: ReadonlyArray<readonly [name: string, load: () => Promise<RegisterCommand>]> = [
  ["list", async () => (await import("./commands/list.ts")).registerListCommand],
  ["describe", async () => (await import("./commands/describe.ts")).registerDescribeCommand],
  ["run", async () => (await import("./commands/run.ts")).registerRunCommand],
  ["batch", async () => (await import("./commands/batch.ts")).registerBatchCommand],
  ["worker", async () => (await import("./commands/worker.ts")).registerWorkerCommand],
  ["queue", async () => (await import("./commands/queue.ts")).registerQueueCommand],
  ["lock", async () => (await import("./commands/lock.ts")).registerLockCommand],
  ["studio", registerStudioCommands],
  ["traces", async () => (await import("./commands/traces.ts")).registerTracesCommand],
  ["trace", async () => (await import("./commands/trace.ts")).registerTraceCommand],
  ["reviews", async () => (await import("./commands/reviews.ts")).registerReviewsCommand],
  ["resume", async () => (await import("./commands/resume.ts")).registerResumeCommand],
  ["feedback", async () => (await import("./commands/feedback.ts")).registerFeedbackCommand],
  ["train", async () => (await import("./commands/train.ts")).registerTrainCommand],
  ["calibrate", async () => (await import("./commands/calibrate.ts")).registerCalibrateCommand],
  ["eval", async () => (await import("./commands/eval.ts")).registerEvalCommand],
  ["dataset", async () => (await import("./commands/dataset.ts")).registerDatasetCommand],
  ["compare", async () => (await import("./commands/compare.ts")).registerCompareCommand],
  ["judge", async () => (await import("./commands/judge.ts")).registerJudgeCommand],
  ["skew", async () => (await import("./commands/skew.ts")).registerSkewCommand],
  ["sample", async () => (await import("./commands/sample.ts")).registerSampleCommand],
  ["shadow", async () => (await import("./commands/shadow.ts")).registerShadowCommand],
  ["audit", async () => (await import("./commands/audit.ts")).registerAuditCommand],
];

/** `catena studio` and its `prune` subcommand, whose modules load together. */
async function registerStudioCommands(): Promise<RegisterCommand> {
  const [{ registerStudioCommand }, { registerStudioPruneCommand }] = await Promise.all([
    import("./commands/studio.ts"),
    import("./commands/studio-prune.ts"),
  ]);
  return (program, ctx) => {
    registerStudioCommand(program, ctx);
    const studio = program.commands.find((c) => c.name() === "studio");
    if (studio !== undefined) registerStudioPruneCommand(studio, ctx);
  };
}

/** Global options that take a value: the token after them is not a command name. */
const OPTIONS_WITH_VALUE: ReadonlySet<string> = new Set(["--chains"]);

/**
 * The subcommand `argv` names (`process.argv` form), or undefined when it names none that exists
 * (no arguments, `help`, a typo): then every command is loaded, for the help text and suggestions.
 */
export function commandNamed(argv: readonly string[]): string | undefined {
  const args = argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "--") return undefined;
    if (arg.startsWith("-")) {
      if (OPTIONS_WITH_VALUE.has(arg)) i++;
      continue;
    }
    return COMMANDS.some(([name]) => name === arg) ? arg : undefined;
  }
  return undefined;
}

/**
 * The `catena` command tree: global options (`--chains`, `--json`, `--verbose`) and one
 * subcommand per file under `commands/`. Given `argv`, only the subcommand it names is loaded and
 * registered (all of them when it names none). Commander errors are thrown (not exited on) so that
 * `main` maps them to exit code 2.
 */
export async function buildProgram(ctx: CommandContext, argv?: readonly string[]): Promise<Command> {
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
  const wanted = argv === undefined ? undefined : commandNamed(argv);
  const chosen = COMMANDS.filter(([name]) => wanted === undefined || name === wanted);
  const registers = await Promise.all(chosen.map(([, load]) => load()));
  for (const register of registers) register(program, ctx);
  for (const command of program.commands) {
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
  }
  return program;
}
