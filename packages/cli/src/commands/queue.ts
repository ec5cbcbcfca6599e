import type { BatchStatus } from "@catena/queue";
import type { Command } from "commander";
import type { CommandContext } from "../command-context.ts";
import { jsonText } from "../format/json-text.ts";
import { plural } from "../format/plural.ts";
import { globalOptions } from "../global-options.ts";

/**
 * Registers `catena queue status <batch>` (counts, rate, latest failures), `catena queue cancel
 * <batch>` and `catena queue remove <batch>` for batches submitted with `catena batch --queue`.
 */
export function registerQueueCommand(program: Command, ctx: CommandContext): void {
  const queue = program
    .command("queue")
    .description("look at, cancel or remove a batch submitted with catena batch --queue");
  queue
    .command("status")
    .description("counts, rate and latest failures of a queued batch")
    .argument("<batch>", "the batch id printed by catena batch --queue")
    .requiredOption("--queue <redis-url>", "the Redis the batch was submitted to")
    .action(async (batchId: string, options: { queue: string }, command: Command) => {
      const { batchStatus } = await import("@catena/queue");
      const status = await batchStatus(options.queue, batchId);
      ctx.io.out(globalOptions(command).json ? jsonText(status) : statusText(status));
    });
  queue
    .command("cancel")
    .description("cancel a queued batch: its waiting items are removed and workers refuse the rest")
    .argument("<batch>", "the batch id printed by catena batch --queue")
    .requiredOption("--queue <redis-url>", "the Redis the batch was submitted to")
    .action(async (batchId: string, options: { queue: string }, command: Command) => {
      const { cancelBatch } = await import("@catena/queue");
      const removed = await cancelBatch(options.queue, batchId);
      ctx.io.out(
        globalOptions(command).json
          ? jsonText({ batchId, cancelled: true, removed })
          : `batch ${batchId} cancelled: ${plural(removed, "waiting item")} removed; items already running finish. Resume it with catena batch ... --resume.\n`,
      );
    });
  queue
    .command("remove")
    .description(
      "remove a batch nobody submits any more from Redis: its jobs, counts and item records (a batch that ran to its end has them expire after 7 days anyway; one stopped early or cancelled after 30 days, unless resumed); one with items waiting or running must be cancelled first",
    )
    .argument("<batch>", "the batch id printed by catena batch --queue")
    .requiredOption("--queue <redis-url>", "the Redis the batch was submitted to")
    .option(
      "--force",
      "remove it even with items waiting or running and not cancelled: its submitter stops, items already running finish uncounted",
    )
    .action(async (batchId: string, options: { queue: string; force?: boolean }, command: Command) => {
      const { removeBatch } = await import("@catena/queue");
      const removed = await removeBatch(options.queue, batchId, { force: options.force === true });
      ctx.io.out(
        globalOptions(command).json
          ? jsonText({ batchId, removed: true, jobs: removed })
          : `batch ${batchId} removed: ${plural(removed, "job")} and its counts are gone; a submitter still running it stops, items already running finish uncounted.\n`,
      );
    });
}

/** How long Redis keeps the batch's counts, by where the batch is. */
function keptText(s: BatchStatus): string {
  const until = s.expiresAt === null ? undefined : new Date(s.expiresAt).toISOString();
  const remove = `catena queue remove ${s.batchId}`;
  if (s.state === "finished")
    return `state: finished; expires ${until ?? "never"} (its counts then leave Redis)`;
  if (s.state === "running")
    return `state: running (or its submitter died: resume it, or ${remove}); kept while it runs`;
  const what = s.state === "cancelled" ? "cancelled" : "stopped early";
  return until === undefined
    ? `state: ${what}; kept for a resume, or ${remove}`
    : `state: ${what}; kept until ${until} for a resume, or ${remove}`;
}

function statusText(s: BatchStatus): string {
  const c = s.counts;
  const lines = [
    `batch ${s.batchId}: ${s.chain}@${s.version} (fingerprint ${s.fingerprint})${s.cancelled ? " — cancelled" : ""}`,
    `finished: ${c.done} done, ${c.failed} failed, ${c.deferred} deferred, ${c.waiting} waiting for review, ${c.refused} refused by workers; ${plural(c.retries, "retry", "retries")}`,
    `rate: ${s.itemsPerSecond.toFixed(1)} items/s`,
    keptText(s),
    `queue (all batches): ${Object.entries(s.queue)
      .map(([state, n]) => `${n} ${state}`)
      .join(", ")}`,
  ];
  if (s.recentFailures.length > 0) {
    lines.push("latest failures:");
    for (const f of s.recentFailures) lines.push(`  item ${f.index}: ${f.code}: ${f.message}`);
  }
  return `${lines.join("\n")}\n`;
}
