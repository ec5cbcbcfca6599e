import { type AnyChain, type BatchOptions, queueBatchId } from "@catena/core";
import type { CliIO } from "../io.ts";

/** `--rate` as parsed by `parseRate`. */
type Rate = NonNullable<BatchOptions["rate"]>;

/** How `catena batch --queue` watches Redis and its batch (`--redis-wait`, `--redis-answer-within`, `--stall-warn`). */
export interface QueueWatchOptions {
  unreachableAfterMs?: number;
  answerWithinMs?: number;
  stallAfterMs?: number;
}

/**
 * The `runBatch` options of `catena batch --queue <url>`: the Redis queue (loaded only then), and
 * the batch id, printed so that `catena queue status <id>` and `cancel <id>` can name the batch.
 * With `--rate`, the limit becomes the queue's own, shared by every worker; `unreachableAfterMs`
 * bounds the wait for a Redis lost mid-batch, `answerWithinMs` how long a connected Redis may leave
 * a PING unanswered before it counts as away; a batch with no item finished for `stallAfterMs` warns
 * on standard error, naming what it waits for (a batch that would otherwise hang in silence).
 */
export async function queueSubmission(
  url: string,
  chain: AnyChain,
  inputDigest: string,
  out: string,
  rate: Rate | undefined,
  io: CliIO,
  watch: QueueWatchOptions = {},
): Promise<Pick<BatchOptions, "queue" | "batchId">> {
  const { unreachableAfterMs, answerWithinMs, stallAfterMs } = watch;
  const { passwordPlaceholderUrl, queueRate, redactedUrl, redisQueue } = await import("@catena/queue");
  const batchId = queueBatchId(
    { chain: chain.name, version: chain.version, fingerprint: chain.fingerprint, inputDigest },
    out,
  );
  const queue = redisQueue(url, {
    ...(rate === undefined ? {} : { rate: queueRate(rate) }),
    ...(unreachableAfterMs === undefined ? {} : { unreachableAfterMs }),
    ...(stallAfterMs === undefined ? {} : { stallAfterMs }),
    ...(answerWithinMs === undefined ? {} : { answerWithinMs }),
    onStall: (stall) => io.err(`catena: warning: ${stall.message}\n`),
    onDown: (message) => io.err(`catena: ${message}\n`),
    onBack: () => io.err("catena: Redis answers again; the batch goes on\n"),
  });
  return {
    queue: {
      // Said once the queue is open: before, an unreachable Redis would follow a line saying the
      // batch is on it.
      open: async (spec) => {
        const opened = await queue.open(spec);
        // Without its password: this line ends up in terminals, logs and CI output. The command
        // says where the password goes, so that it can be copied and completed.
        io.err(
          `catena: batch ${batchId} on ${redactedUrl(url)} (catena queue status ${batchId} --queue ${passwordPlaceholderUrl(url)})\n`,
        );
        return opened;
      },
    },
    batchId,
  };
}
