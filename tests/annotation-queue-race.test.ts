/*
 * Two processes sending runs to the same, not yet existing annotation queue at once (two
 * `catena sample --queue` runs): queue names are unique, so the second create is refused, and it
 * must then use the queue the first one made.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addToAnnotationQueue, traceClient } from "@catena/core/tracing";
import { type RunningStudio, startStudio } from "@catena/studio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let dir: string;
let studio: RunningStudio;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "catena-queue-race-"));
  studio = await startStudio({ port: 0, dbPath: join(dir, "studio.db") });
});

afterAll(async () => {
  await studio?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("addToAnnotationQueue", () => {
  it("ends with one queue when several callers create it at once", async () => {
    const results = await Promise.all(
      Array.from({ length: 4 }, () =>
        addToAnnotationQueue(traceClient({ apiUrl: studio.url }), "daily review", []),
      ),
    );
    const ids = results.map((r) => (r.status === "queued" ? r.queueId : r.status));
    expect(new Set(ids).size).toBe(1);
    const { client } = traceClient({ apiUrl: studio.url });
    const queues = [];
    for await (const q of client.listAnnotationQueues({ name: "daily review" })) queues.push(q.id);
    expect(queues).toEqual([ids[0]]);
  });
});
