import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type BatchProgress, runBatch } from "../index.ts";
import { doubler, indicesOf, range, readLines } from "./run-batch-fixture.case.ts";

// What a running batch tells its listeners (onProgress, onItem), and that it gives the event loop
// its turn while it runs.

describe("runBatch's progress and listeners", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "catena-batch-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("streams progress events with growing counts, a rate and an ETA for arrays", async () => {
    const { chain } = doubler({ delayMs: 2, failWhen: (n) => n % 4 === 3 });
    const events: BatchProgress[] = [];
    const summary = await runBatch(
      chain,
      range(20).map((n) => ({ n })),
      {
        concurrency: 4,
        onProgress: (p) => events.push({ ...p }),
      },
    );
    expect(summary.done).toBe(15);
    expect(summary.failed).toBe(5);
    expect(events).toHaveLength(20);
    for (let i = 1; i < events.length; i++) {
      const prev = events[i - 1] as BatchProgress;
      const cur = events[i] as BatchProgress;
      expect(cur.done).toBeGreaterThanOrEqual(prev.done);
      expect(cur.failed).toBeGreaterThanOrEqual(prev.failed);
      expect(cur.done + cur.failed).toBe(prev.done + prev.failed + 1);
    }
    for (const e of events) {
      expect(e.total).toBe(20);
      expect(e.itemsPerSecond).toBeGreaterThan(0);
      expect(e.etaMs).toBeTypeOf("number");
      expect(e.etaMs).toBeGreaterThanOrEqual(0);
      expect(e.inFlight).toBeLessThanOrEqual(4);
    }
    const last = events.at(-1) as BatchProgress;
    expect(last.done + last.failed).toBe(20);
    expect(last.etaMs).toBe(0);
  });

  it("ends with a progress event whose done count equals the total", async () => {
    const { chain } = doubler({ delayMs: 1 });
    const events: BatchProgress[] = [];
    await runBatch(
      chain,
      range(9).map((n) => ({ n })),
      { concurrency: 2, onProgress: (p) => events.push({ ...p }) },
    );
    const last = events.at(-1) as BatchProgress;
    expect(last.done).toBe(9);
    expect(last.total).toBe(9);
  });

  it("reports every item in completion order when items finish without waiting on I/O", async () => {
    // No delay: items finish in microtasks, more than the recorder keeps pending within one turn.
    const { chain } = doubler();
    const seen: number[] = [];
    const events: BatchProgress[] = [];
    const path = join(dir, "out.jsonl");
    const summary = await runBatch(
      chain,
      range(1500).map((n) => ({ n })),
      {
        concurrency: 16,
        checkpoint: path,
        collect: true,
        onItem: (item) => seen.push(item.index),
        onProgress: (p) => events.push({ ...p }),
      },
    );
    expect(summary.done).toBe(1500);
    expect(events.map((e) => e.done)).toEqual(range(1500).map((i) => i + 1));
    expect([...seen].sort((a, b) => a - b)).toEqual(range(1500));
    expect(summary.results?.map((r) => r.index)).toEqual(range(1500));
    expect(indicesOf(await readLines(path))).toEqual(range(1500));
  });

  it("gives timers and signals their turn when no step waits on I/O, so a timed abort stops the batch", async () => {
    const { chain } = doubler();
    const controller = new AbortController();
    const path = join(dir, "out.jsonl");
    const summary = await runBatch(
      chain,
      range(200_000).map((n) => ({ n })),
      {
        concurrency: 8,
        checkpoint: path,
        signal: controller.signal,
        // A timer set once the items run: it fires only if the batch gives the event loop a turn.
        onItem: (item) => {
          if (item.index === 1000) setTimeout(() => controller.abort(), 0);
        },
      },
    );
    expect(summary.status).toBe("aborted");
    expect(summary.done).toBeGreaterThan(1000);
    expect(summary.done).toBeLessThan(200_000);
    // What finished before the abort is on disk, for a resume.
    expect((await readLines(path)).length).toBe(summary.done);
  });

  it("fails the batch with what onItem threw, after recording the items that finished", async () => {
    const { chain } = doubler({ delayMs: 1 });
    const path = join(dir, "out.jsonl");
    const attempt = runBatch(
      chain,
      range(20).map((n) => ({ n })),
      {
        concurrency: 2,
        checkpoint: path,
        onItem: (item) => {
          if (item.index === 5) throw new Error("listener broke");
        },
      },
    );
    await expect(attempt).rejects.toThrow("listener broke");
    const lines = await readLines(path);
    expect(lines.length).toBeGreaterThanOrEqual(6);
    expect(lines.length).toBeLessThan(20);
  });

  it("does not count a finished item as in flight", async () => {
    // Known bug: progress() reads queue.pending while the finished item's task is still running
    // (record() is called from inside runItem), so every event over-counts inFlight by one and the
    // final event says 1 item is in flight after all are done.
    const { chain } = doubler({ delayMs: 1 });
    const events: BatchProgress[] = [];
    await runBatch(
      chain,
      range(6).map((n) => ({ n })),
      { concurrency: 1, onProgress: (p) => events.push({ ...p }) },
    );
    expect(events.at(-1)?.done).toBe(6);
    // With concurrency 1, nothing else can be running when an item has just finished.
    expect(events.map((e) => e.inFlight)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it("gives no total or ETA for an async source unless `total` is passed", async () => {
    const { chain } = doubler();
    async function* inputs() {
      for (let n = 0; n < 5; n++) yield { n };
    }
    const without: BatchProgress[] = [];
    await runBatch(chain, inputs(), { onProgress: (p) => without.push({ ...p }) });
    expect(without).toHaveLength(5);
    for (const e of without) {
      expect(e.total).toBeUndefined();
      expect(e.etaMs).toBeUndefined();
    }
    const withTotal: BatchProgress[] = [];
    await runBatch(chain, inputs(), { total: 5, onProgress: (p) => withTotal.push({ ...p }) });
    for (const e of withTotal) {
      expect(e.total).toBe(5);
      expect(e.etaMs).toBeTypeOf("number");
    }
    expect(withTotal.at(-1)?.done).toBe(5);
  });
});
