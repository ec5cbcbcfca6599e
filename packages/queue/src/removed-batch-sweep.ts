import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { itemJobId, KEY_PREFIX, removedKey } from "./queue-layout.ts";

/**
 * Removes the finished (completed or failed) jobs of batches that carry a removal mark: the items
 * that were running when `catena queue remove --force` ran, left behind by a worker that died
 * before it dropped them. Cheap when nothing was removed: one SCAN for marks, which expire in a day.
 */
export async function dropJobsOfRemovedBatches(connection: Redis, queueName: string): Promise<void> {
  const marks: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await connection.scan(cursor, "MATCH", removedKey(queueName, "*"), "COUNT", 1000);
    cursor = next;
    marks.push(...keys);
  } while (cursor !== "0");
  if (marks.length === 0) return;
  const prefix = removedKey(queueName, "");
  const queue = new Queue(queueName, { connection, prefix: KEY_PREFIX });
  try {
    for (const mark of marks) {
      const batchId = mark.slice(prefix.length);
      for (const state of ["completed", "failed"]) {
        const ids: string[] = [];
        let at = "0";
        do {
          const [next, entries] = await connection.zscan(
            `${KEY_PREFIX}:${queueName}:${state}`,
            at,
            "MATCH",
            `${globEscaped(itemJobId(batchId, 0).slice(0, -1))}*`,
            "COUNT",
            1000,
          );
          at = next;
          // Members and scores alternate; "b-*" also matches batch "b-c"'s jobs, whose rest is no index.
          for (let i = 0; i < entries.length; i += 2) {
            const id = entries[i] as string;
            if (/^\d+$/.test(id.slice(batchId.length + 1))) ids.push(id);
          }
        } while (at !== "0");
        for (const id of ids) await queue.remove(id);
      }
    }
  } finally {
    await queue.close();
  }
}

/** `text` with Redis's glob characters escaped, for a MATCH pattern. */
function globEscaped(text: string): string {
  return text.replace(/[*?[\]\\]/g, "\\$&");
}
