import type { Command } from "commander";
import { parseConcurrency } from "../batch/parse-concurrency.ts";
import { parseRate } from "../batch/parse-rate.ts";
import { redisAnswerWithinMs } from "../batch/redis-answer-within.ts";
import { redisWaitMs } from "../batch/redis-wait.ts";
import { loadChains } from "../chains/load-chains.ts";
import { CliError } from "../cli-error.ts";
import type { CommandContext } from "../command-context.ts";
import { ExitCode } from "../exit-codes.ts";
import { plural } from "../format/plural.ts";
import { globalOptions } from "../global-options.ts";
import { BATCH_TRACE_FLUSH_MS, startCliTracing } from "../tracing/cli-tracing.ts";

/** The options of `catena worker`. */
export interface WorkerCommandOptions {
  queue: string;
  concurrency: string;
  rate?: string;
  lockDuration: string;
  redisWait: string;
  redisAnswerWithin: string;
}

/**
 * Registers `catena worker --queue <redis-url>`: takes the items of batches submitted with
 * `catena batch --queue` off the queue and runs them here, with the chains loaded as every command
 * loads them (built-in, catena.config.json, --chains) and traced to the configured backend. Runs
 * until SIGINT or SIGTERM, then finishes the items in flight. Start as many as you like, anywhere.
 */
export function registerWorkerCommand(program: Command, ctx: CommandContext): void {
  program
    .command("worker")
    .description("run the items of queued batches (catena batch --queue) on this machine, until stopped")
    .requiredOption(
      "--queue <redis-url>",
      "the Redis the batches are submitted to, e.g. redis://10.0.0.5:6379",
    )
    .option("--concurrency <n>", "items this worker runs at once", "16")
    .option(
      "--rate <n/s|n/m>",
      "the queue's shared limit: at most this many item starts per second or minute across all workers",
    )
    .option(
      "--lock-duration <ms>",
      "how long this worker's hold on an item lasts unrenewed (a blocked event loop longer loses it to others); a worker that dies loses its items within 5–7 s anyway, or after this long where Redis cannot tell",
      "30000",
    )
    .option(
      "--redis-wait <seconds>",
      "how long a lost Redis may stay away before the worker gives up and exits 1",
      "60",
    )
    .option(
      "--redis-answer-within <seconds>",
      "how long a connected Redis may leave a PING unanswered (a slow command, a frozen server) before it counts as away, at least 1",
      "5",
    )
    .action(async (options: WorkerCommandOptions, command: Command) => {
      const globals = globalOptions(command);
      const concurrency = parseConcurrency(options.concurrency);
      const rate = options.rate === undefined ? undefined : parseRate(options.rate);
      const lockDurationMs = Number(options.lockDuration);
      if (!Number.isSafeInteger(lockDurationMs) || lockDurationMs < 100) {
        throw new CliError(
          `--lock-duration must be a whole number of milliseconds >= 100, got "${options.lockDuration}".`,
        );
      }
      const unreachableAfterMs = redisWaitMs(options.redisWait);
      const answerWithinMs = redisAnswerWithinMs(options.redisAnswerWithin);
      const { registry } = await loadChains({ cwd: ctx.io.cwd, modules: globals.chains });
      const { queueRate, redactedUrl, startWorker } = await import("@catena/queue");
      let gaveUp: Error | undefined;
      let stop: () => void = () => undefined;
      const stopped = new Promise<void>((resolve) => {
        stop = resolve;
        process.once("SIGINT", () => resolve());
        process.once("SIGTERM", () => resolve());
      });
      const tracing = await startCliTracing(ctx, globals, { flushTimeoutMs: BATCH_TRACE_FLUSH_MS });
      const worker = await startWorker({
        url: options.queue,
        chains: registry,
        concurrency,
        lockDurationMs,
        ...(rate === undefined ? {} : { rate: queueRate(rate) }),
        ...(tracing.tracer === undefined ? {} : { tracer: tracing.tracer }),
        onRefuse: (message) => ctx.io.err(`catena: worker: refused: ${message}\n`),
        onError: (error) => ctx.io.err(`catena: worker: ${error.message}\n`),
        onDown: (message) => ctx.io.err(`catena: worker: ${message}\n`),
        onBack: () => ctx.io.err("catena: worker: Redis answers again\n"),
        onStuck: (message) => ctx.io.err(`catena: worker: ${message}\n`),
        onUnreachable: (error) => {
          gaveUp = error;
          stop();
        },
        unreachableAfterMs,
        answerWithinMs,
      });
      ctx.io.err(
        `catena: worker ready: ${plural(registry.list().length, "chain")}, ${concurrency} at once, queue ${redactedUrl(options.queue)} (pid ${process.pid})\n`,
      );
      await stopped;
      if (gaveUp === undefined) ctx.io.err("catena: worker stopping: finishing the items in flight ...\n");
      await worker.close();
      await tracing.finish();
      ctx.io.err(`catena: worker stopped after ${plural(worker.finished, "item")}\n`);
      if (gaveUp !== undefined) {
        ctx.io.err(`catena: ${gaveUp.message}\n`);
        ctx.setExitCode(ExitCode.failed);
      }
    });
}
