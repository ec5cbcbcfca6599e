import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { type AnyChain, type BatchOptions, runBatch } from "@catena/core";
import type { Command } from "commander";
import { batchReportJson, batchReportText } from "../batch/batch-report.ts";
import type { DecodeOptions } from "../batch/decoded-lines.ts";
import { fileDigest } from "../batch/file-digest.ts";
import { inputEncoding } from "../batch/input-encoding.ts";
import { inputFormatOf } from "../batch/input-format.ts";
import { countItems, linesOfItems, valuesOf } from "../batch/item-streams.ts";
import type { LocatedItem } from "../batch/located-item.ts";
import { parseConcurrency } from "../batch/parse-concurrency.ts";
import { parseRate } from "../batch/parse-rate.ts";
import { parseStopAfterFailures } from "../batch/parse-stop-after-failures.ts";
import { noProgress, type ProgressDisplay, progressBar } from "../batch/progress-bar.ts";
import { queueSubmission } from "../batch/queue-submission.ts";
import { redisAnswerWithinMs } from "../batch/redis-answer-within.ts";
import { redisWaitMs } from "../batch/redis-wait.ts";
import { resultsWriteError } from "../batch/results-write-error.ts";
import { stallWarnMs } from "../batch/stall-warn.ts";
import { spoolStdin } from "../batch/stdin-spool.ts";
import { tallyResults } from "../batch/tally-results.ts";
import { loadChains } from "../chains/load-chains.ts";
import { CliError } from "../cli-error.ts";
import type { CommandContext } from "../command-context.ts";
import { ExitCode } from "../exit-codes.ts";
import { displayPath } from "../format/display-path.ts";
import { jsonText } from "../format/json-text.ts";
import { plural } from "../format/plural.ts";
import { globalOptions } from "../global-options.ts";
import { positiveNumber } from "../positive-number.ts";
import { type AuditCliOptions, addAuditOptions, auditOption } from "../tracing/audit-option.ts";
import { BATCH_TRACE_FLUSH_MS, startCliTracing } from "../tracing/cli-tracing.ts";
import { sendChainDescriptions } from "../tracing/send-chain-description.ts";
import { type ShadowCliOptions, shadowOption } from "../tracing/shadow-option.ts";
import { assertWritablePath } from "../writable-path.ts";

/** The options of `catena batch`. */
export interface BatchCommandOptions {
  file: string;
  out: string;
  concurrency?: string;
  rate?: string;
  queue?: string;
  resume?: boolean;
  retryFailed?: boolean;
  forceResume?: boolean;
  encoding?: string;
  format?: string;
  redisWait: string;
  redisAnswerWithin: string;
  stallWarn: string;
  maxCost?: string;
  stopAfterFailures: string;
}

/**
 * Registers `catena batch <chain>`: streams a JSONL or CSV file through a chain, writing each result
 * to a JSONL results file as it finishes, and prints a summary. Unreadable lines and inputs that
 * fail the chain's schema are recorded as failed items; the others still run. Exit code 1 when the
 * results file holds failed items or `--max-cost` stopped the batch, 5 when items failed in a row
 * with the same provider failure every item meets (`--stop-after-failures`), 130 when interrupted (Ctrl-C), 143 on SIGTERM (resume with `--resume`).
 */
export function registerBatchCommand(program: Command, ctx: CommandContext): void {
  const batch = program
    .command("batch")
    .description("run a chain over every item of a JSONL, CSV or TSV file, writing results to a JSONL file")
    .argument("<chain>", "chain name, or name@version (default: the latest version)")
    .requiredOption(
      "--file <path>",
      "input: .jsonl (one JSON object per line), .csv or .tsv (header row gives the keys; TSV quotes are text); - reads standard input (JSONL unless --format csv|tsv)",
    )
    .option(
      "--format <jsonl|csv|tsv>",
      "the input's format when its name does not say it (standard input: jsonl)",
    )
    .requiredOption("--out <path>", "results file (JSONL, one line per item, written as items finish)")
    .option(
      "--concurrency <n>",
      "items in flight at once (default 8; with --queue, items on the queue, default 256)",
    )
    .option("--rate <n/s|n/m>", "at most this many item starts per second (10/s) or per minute (600/m)")
    .option(
      "--queue <redis-url>",
      "run the items on the workers of this Redis queue (catena worker) instead of here",
    )
    .option(
      "--max-cost <usd>",
      "stop taking items before this run spends more than this many US dollars (continue with --resume)",
    )
    .option(
      "--stop-after-failures <n|never>",
      "stop taking items after n items in a row fail with the same provider failure every item meets: a bad API key (401/403), an account out of quota, a model the provider does not know (404); never: keep going (exit 5; fix it, then --resume --retry-failed)",
      "5",
    )
    .option(
      "--redis-wait <seconds>",
      "with --queue: how long a lost Redis may stay away before the batch stops (finished items kept; exit 1)",
      "60",
    )
    .option(
      "--redis-answer-within <seconds>",
      "with --queue: how long a connected Redis may leave a PING unanswered (a slow command, a frozen server) before it counts as away, at least 1",
      "5",
    )
    .option(
      "--stall-warn <seconds>",
      "with --queue: warn when no item finished for this long while the batch waits for some, naming what it waits for (0: never)",
      "120",
    )
    .option("--resume", "continue an existing results file: items already in it are skipped")
    .option(
      "--retry-failed",
      "with --resume, run the failed items of the results file again (implies --resume)",
    )
    .option(
      "--force-resume",
      "resume a results file written for another chain, version or input file, or by an older catena (implies --resume)",
    )
    .option(
      "--encoding <name>",
      "encoding of the input file: utf-8 (default; UTF-16 is found by its byte order mark), latin1, windows-1252, utf-16le, ...",
    )
    .option(
      "--shadow <chain@version>",
      "also run this candidate version on a share of the items, traced with the shadow tag",
    )
    .option("--shadow-share <share>", "share of items the candidate runs on, 0–1", "1");
  addAuditOptions(batch).action(
    async (
      ref: string,
      options: BatchCommandOptions & ShadowCliOptions & AuditCliOptions,
      command: Command,
    ) => {
      const globals = globalOptions(command);
      const concurrency = parseConcurrency(options.concurrency ?? (options.queue ? "256" : "8"));
      const rate = options.rate === undefined ? undefined : parseRate(options.rate);
      const redisWait = redisWaitMs(options.redisWait);
      const redisAnswerWithin = redisAnswerWithinMs(options.redisAnswerWithin);
      const stallWarn = stallWarnMs(options.stallWarn);
      const maxCostUsd =
        options.maxCost === undefined ? undefined : positiveNumber(options.maxCost, "--max-cost");
      const stopAfterFailures = parseStopAfterFailures(options.stopAfterFailures);
      const resume = options.resume === true || options.retryFailed === true || options.forceResume === true;
      const decode: DecodeOptions =
        options.encoding === undefined ? {} : { encoding: inputEncoding(options.encoding) };
      const fromStdin = options.file === "-";
      const out = resolve(ctx.io.cwd, options.out);
      if (!fromStdin) {
        const given = resolve(ctx.io.cwd, options.file);
        if (!existsSync(given))
          throw new CliError(`input file not found: ${options.file} (give - to read standard input).`);
        if (!statSync(given).isFile()) throw new CliError(`input is not a file: ${options.file}`);
        if (given === out)
          throw new CliError("--out must differ from --file: the results file would overwrite the input.");
      }
      const format = fromStdin
        ? inputFormatOf("-", "standard input", options.format ?? "jsonl")
        : inputFormatOf(options.file, options.file, options.format);
      assertWritablePath(out, { option: "--out", shown: options.out, kind: "file" });
      if (existsSync(out) && !resume) {
        throw new CliError(
          `results file ${options.out} already exists; add --resume to skip the items it holds (--retry-failed to rerun its failures), or choose another --out.`,
        );
      }
      const { registry } = await loadChains({ cwd: ctx.io.cwd, modules: globals.chains });
      const chain = registry.get(ref);
      // Before tracing starts and the signal handlers are set: a bad --shadow thrown after them
      // would leave the process running (the local studio's worker) and deaf to SIGTERM.
      const shadow = shadowOption(registry, options, command);
      const audit = auditOption(options, command);
      // A queue's workers run the items in their own processes, with the plain-JSON run options:
      // audits would silently not run there.
      if (audit !== undefined && options.queue)
        throw new CliError(
          "--audit does not work with --queue: the queue's workers run the items and start no audits; run the batch without --queue to audit it.",
        );
      // Standard input is read once, into a temporary file the batch can read as often as it needs.
      const spool = fromStdin ? await spoolStdin(process.stdin, format.name) : undefined;
      const file = spool?.path ?? resolve(ctx.io.cwd, options.file);
      const fields = inputFields(chain);
      const read = (): AsyncIterable<LocatedItem> => format.read(file, { ...decode, fields });
      try {
        const stream = globals.json ? undefined : ctx.io.progressStream;
        const inputDigest = await fileDigest(file);
        const total = stream ? await countItems(read()) : undefined;
        const display: ProgressDisplay =
          stream && total !== undefined ? progressBar(stream, total) : noProgress;
        const tracing = await startCliTracing(ctx, globals, { flushTimeoutMs: BATCH_TRACE_FLUSH_MS });
        await sendChainDescriptions(tracing.backend, [chain]);
        const controller = new AbortController();
        // SIGTERM stops a batch the way Ctrl-C does: finished items are written and traced, the
        // summary says how to resume. A second signal of the same kind kills the process at once.
        let stoppedBy: NodeJS.Signals | undefined;
        const onSignal = (signal: NodeJS.Signals): void => {
          stoppedBy ??= signal;
          controller.abort();
        };
        process.once("SIGINT", onSignal);
        process.once("SIGTERM", onSignal);
        const batchOptions: BatchOptions = {
          concurrency,
          checkpoint: out,
          resume,
          retryFailed: options.retryFailed === true,
          stopAfterFailures,
          forceResume: options.forceResume === true,
          inputDigest,
          inputSource: fromStdin ? "-" : file,
          signal: controller.signal,
          onProgress: (p) => display.update(p),
          ...(rate === undefined || options.queue ? {} : { rate }),
          ...(maxCostUsd === undefined ? {} : { maxCostUsd }),
          ...(options.queue
            ? await queueSubmission(options.queue, chain, inputDigest, out, rate, ctx.io, {
                unreachableAfterMs: redisWait,
                answerWithinMs: redisAnswerWithin,
                stallAfterMs: stallWarn,
              })
            : {}),
          ...(shadow === undefined ? {} : { shadow }),
          ...(audit === undefined ? {} : { audit }),
          ...(tracing.tracer === undefined ? {} : { tracer: tracing.tracer }),
          ...(total === undefined ? {} : { total }),
        };
        let summary: Awaited<ReturnType<typeof runBatch>>;
        try {
          summary = await runBatch(chain, valuesOf(read()), batchOptions);
        } catch (error) {
          throw resultsWriteError(error, out, displayPath(ctx.io.cwd, out)) ?? error;
        } finally {
          process.removeListener("SIGINT", onSignal);
          process.removeListener("SIGTERM", onSignal);
          display.stop();
          await tracing.finish();
        }
        const tally = await tallyResults(out);
        const lines = await linesOfItems(
          read(),
          tally.failures.map((f) => f.index),
        );
        for (const failure of tally.failures) {
          const line = lines.get(failure.index);
          if (line !== undefined) failure.line = line;
        }
        // The items the batch never started: not in the results file, run by a resume.
        const notRun = summary.stopError
          ? Math.max(0, (total ?? (await countItems(read()))) - tally.items)
          : 0;
        const shownFile = fromStdin ? "standard input" : displayPath(ctx.io.cwd, file);
        const report = {
          chain: chain.id,
          file: fromStdin ? "-" : file,
          out,
          shownFile,
          shownOut: displayPath(ctx.io.cwd, out),
          summary,
          tally,
          retriedFailed: options.retryFailed === true,
          notRun,
        };
        ctx.io.out(globals.json ? jsonText(batchReportJson(report)) : batchReportText(report));
        if (summary.stopError) {
          // One paragraph on stderr, beside the report on stdout: what failed, what to fix, how to go on.
          ctx.io.err(
            `catena: ${summary.stopError.message} This run: ${plural(summary.done + summary.failed + summary.deferred + summary.waiting, "item")} run (${summary.failed} failed), ${plural(notRun, "item")} not run.\n`,
          );
          ctx.setExitCode(ExitCode.providerStopped);
        } else if (summary.status === "aborted")
          ctx.setExitCode(stoppedBy === "SIGTERM" ? ExitCode.terminated : ExitCode.interrupted);
        else if (tally.failed > 0 || summary.status === "stopped") ctx.setExitCode(ExitCode.failed);
      } finally {
        await spool?.dispose();
      }
    },
  );
}

/** The fields of a chain's input, when it is an object schema (a CSV header names them in any case). */
function inputFields(chain: AnyChain): string[] {
  const shape = (chain.input as { shape?: unknown }).shape;
  return shape !== null && typeof shape === "object" ? Object.keys(shape) : [];
}
