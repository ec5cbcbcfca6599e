import { type RunOptions, run, settleShadows, type TokenEvent } from "@catena/core";
import type { Command } from "commander";
import { loadChains } from "../chains/load-chains.ts";
import type { CommandContext } from "../command-context.ts";
import { ExitCode, type ExitCodeValue } from "../exit-codes.ts";
import { jsonText } from "../format/json-text.ts";
import { globalOptions } from "../global-options.ts";
import { exitCodeFor, oneLine, writeStack } from "../report-error.ts";
import { startCliTracing } from "../tracing/cli-tracing.ts";
import { sendChainDescriptions } from "../tracing/send-chain-description.ts";
import { type ShadowCliOptions, shadowOption } from "../tracing/shadow-option.ts";
import { studioRunPageUrl } from "../tracing/studio-page-url.ts";
import { deferredText } from "./deferred-text.ts";
import { type RunInputOptions, runInput } from "./run-input.ts";
import { runResultJson } from "./run-result-json.ts";

type RunCommandOptions = RunInputOptions & ShadowCliOptions & { stream?: boolean };

/**
 * Registers `catena run <chain[@version]>`: runs one input and prints the output (or, with
 * `--json`, the whole run result). The exit code follows the run's status: done 0, error 1
 * (2 for input that does not match the schema), deferred 3, waiting 4.
 */
export function registerRunCommand(program: Command, ctx: CommandContext): void {
  program
    .command("run")
    .description("run a chain on one input and print its output")
    .argument("<chain>", "chain name, or name@version (default: the latest version)")
    .option("--input <json>", "the input as JSON")
    .option("--text <string>", 'shorthand for --input \'{"text": "<string>"}\'')
    .option(
      "--file <path>",
      'read the input from a file (- for standard input): a .json file is the input, any other is the text, as {"text": ...}',
    )
    .option("--stream", "print the tokens of llm steps to stderr as the model sends them")
    .option(
      "--shadow <chain@version>",
      "also run this candidate version, traced with the shadow tag; the output stays the current one's",
    )
    .option("--shadow-share <share>", "share of inputs the candidate runs on, 0–1", "1")
    .action(async (ref: string, options: RunCommandOptions, command: Command) => {
      const globals = globalOptions(command);
      const input = await runInput(options, { cwd: ctx.io.cwd, notice: (text) => ctx.io.err(text) });
      // With --shadow the candidate may be any chain: load them all.
      const { registry } = await loadChains({
        cwd: ctx.io.cwd,
        modules: globals.chains,
        ...(options.shadow === undefined ? { chain: ref } : {}),
      });
      const chain = registry.get(ref);
      // Before tracing starts: a bad --shadow thrown after it would leave the local studio's
      // worker running, and the process would never exit.
      const shadow = shadowOption(registry, options, command);
      const tracing = await startCliTracing(ctx, globals, { oneRun: true });
      await sendChainDescriptions(tracing.backend, [chain]);
      const runOptions: RunOptions = tracing.tracer ? { tracer: tracing.tracer } : {};
      if (shadow) runOptions.shadow = shadow;
      const printer = options.stream ? tokenPrinter(ctx) : undefined;
      if (printer) runOptions.onToken = printer.token;
      const result = await run(chain, input, runOptions);
      printer?.end();
      let code: ExitCodeValue = ExitCode.ok;
      if (result.status === "error") code = exitCodeFor(result.error);
      else if (result.status === "deferred") code = ExitCode.deferred;
      else if (result.status === "waiting") code = ExitCode.waiting;
      ctx.setExitCode(code);

      if (globals.json) {
        ctx.io.out(jsonText(runResultJson(result)));
        if (result.status === "error") ctx.io.err(`catena: ${oneLine(result.error.message)}\n`);
        await settleShadows(); // after the output: the candidate's trace is sent, the answer not held back
        await tracing.finish();
        return;
      }
      switch (result.status) {
        case "done":
          ctx.io.out(jsonText(result.output));
          break;
        case "error":
          ctx.io.err(`catena: ${oneLine(result.error.message)}\n`);
          if (globals.verbose) writeStack(ctx.io, result.error);
          break;
        case "deferred":
          ctx.io.err(`catena: ${deferredText(chain.id, result.deferred)} (details: --json)\n`);
          break;
        case "waiting": {
          const { name, prompt } = result.snapshot.review;
          ctx.io.err(
            `catena: ${chain.id} is waiting at review "${name}"${prompt ? ` (${prompt})` : ""}; get the snapshot to resume from with --json, or decide it with catena resume ${result.runId} --decision '<json>'\n`,
          );
          break;
        }
      }
      // After the output: the answer does not wait for the traces to reach the backend.
      await settleShadows();
      const sent = await tracing.finish();
      // A link only to a trace that got there; finish() has said why it did not.
      const page = studioRunPageUrl(tracing.backend, result.runId);
      if (page !== undefined && sent?.status === "sent") ctx.io.err(`trace: ${page}\n`);
    });
}

/**
 * Prints tokens to stderr as they come, so that stdout keeps only the output (or `--json` result):
 * a `[step]` header whenever another step (or map item) starts sending, a newline at the end. An
 * answer that starts over (a retry of the step, or another model call within it: a provider retry,
 * a fallback, a repair) gets a header of its own, `[step, call 2]`, instead of running on from the
 * text it supersedes.
 */
function tokenPrinter(ctx: CommandContext): { token: (event: TokenEvent) => void; end: () => void } {
  let current: string | undefined;
  return {
    token(event) {
      const header = tokenHeader(event);
      if (header !== current) {
        ctx.io.err(`${current === undefined ? "" : "\n"}[${header}] `);
        current = header;
      }
      ctx.io.err(event.text);
    },
    end() {
      if (current !== undefined) ctx.io.err("\n");
    },
  };
}

/** `step`, `cascade/step#item`, then `attempt n` and `call n` when the answer is not the first. */
function tokenHeader(event: TokenEvent): string {
  const path = event.path.join("/");
  const source = event.item === undefined ? path : `${path}#${event.item}`;
  const attempt = event.attempt > 1 ? `, attempt ${event.attempt}` : "";
  const call = event.call > 1 ? `, call ${event.call}` : "";
  return `${source}${attempt}${call}`;
}
