import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  BatchInputError,
  branch,
  code,
  defineChain,
  retry,
  review,
  run,
  runBatch,
  sequence,
  UnreadableItem,
} from "../index.ts";

import { doubler, indicesOf, range, readLines, sleep } from "./run-batch-fixture.case.ts";

describe("runBatch", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "catena-batch-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("runs every item of an array and returns the results in index order", async () => {
    const { chain } = doubler();
    const summary = await runBatch(
      chain,
      range(10).map((n) => ({ n })),
    );
    expect(summary.status).toBe("done");
    expect(summary.total).toBe(10);
    expect(summary.done).toBe(10);
    expect(summary.failed).toBe(0);
    expect(summary.results?.map((r) => r.index)).toEqual(range(10));
    expect(summary.results?.map((r) => r.output)).toEqual(range(10).map((n) => ({ doubled: n * 2 })));
  });

  it("runs every item of an async generator", async () => {
    const { chain } = doubler({ delayMs: 1 });
    async function* inputs() {
      for (let n = 0; n < 12; n++) {
        await sleep(1);
        yield { n };
      }
    }
    const summary = await runBatch(chain, inputs(), { concurrency: 3 });
    expect(summary.status).toBe("done");
    expect(summary.total).toBe(12);
    expect(summary.done).toBe(12);
    expect(summary.results?.map((r) => (r.output as { doubled: number }).doubled)).toEqual(
      range(12).map((n) => n * 2),
    );
  });

  it("writes one JSONL line per item with index, status, output, input, runId and ms", async () => {
    const { chain } = doubler();
    const path = join(dir, "out.jsonl");
    const summary = await runBatch(
      chain,
      range(7).map((n) => ({ n })),
      { checkpoint: path },
    );
    expect(summary.checkpoint).toBe(path);
    expect(summary.results).toBeUndefined(); // not collected by default when a checkpoint is written
    const lines = await readLines(path);
    expect(lines).toHaveLength(7);
    expect(indicesOf(lines)).toEqual(range(7));
    const runIds = new Set<string>();
    for (const line of lines) {
      expect(line.status).toBe("done");
      expect(line.input).toEqual({ n: line.index });
      expect(line.output).toEqual({ doubled: line.index * 2 });
      expect(typeof line.runId).toBe("string");
      runIds.add(line.runId as string);
      expect(typeof line.ms).toBe("number");
      expect(line.ms).toBeGreaterThanOrEqual(0);
    }
    expect(runIds.size).toBe(7);
  });

  it("leaves the input out of the file with includeInput: false", async () => {
    const { chain } = doubler();
    const path = join(dir, "out.jsonl");
    await runBatch(chain, [{ n: 1 }, { n: 2 }], { checkpoint: path, includeInput: false });
    const lines = await readLines(path);
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).not.toHaveProperty("input");
  });

  it("records failing items with their error code and goes on with the rest", async () => {
    const { chain } = doubler({ failWhen: (n) => n === 13 });
    const path = join(dir, "out.jsonl");
    const inputs = range(6).map((n) => ({ n }));
    // @ts-expect-error fails the input schema: the run-time check is under test
    inputs[2] = { n: "two" };
    inputs[4] = { n: 13 }; // the step throws
    const summary = await runBatch(chain, inputs, { checkpoint: path });
    expect(summary.status).toBe("done");
    expect(summary.done).toBe(4);
    expect(summary.failed).toBe(2);
    const lines = await readLines(path);
    expect(indicesOf(lines)).toEqual(range(6));
    const byIndex = new Map(lines.map((l) => [l.index, l]));
    expect(byIndex.get(2)).toMatchObject({
      status: "error",
      error: { code: "INPUT_VALIDATION" },
      input: { n: "two" },
    });
    expect(byIndex.get(4)).toMatchObject({ status: "error", error: { code: "STEP_FAILED" } });
    expect(byIndex.get(4)?.error?.message).toContain("cannot double 13");
    expect(byIndex.get(5)).toMatchObject({ status: "done", output: { doubled: 10 } });
  });

  it("records an UnreadableItem as failed with its error", async () => {
    const { chain, state } = doubler();
    const path = join(dir, "out.jsonl");
    const bad = new UnreadableItem(new BatchInputError("line 2 is not JSON", { details: { line: 2 } }));
    const summary = await runBatch(chain, [{ n: 1 }, bad, { n: 3 }], { checkpoint: path });
    expect(summary.done).toBe(2);
    expect(summary.failed).toBe(1);
    expect(state.calls).toBe(2);
    const lines = await readLines(path);
    expect(lines.find((l) => l.index === 1)).toMatchObject({
      status: "error",
      error: { code: "BATCH_INPUT", message: "line 2 is not JSON", details: { line: 2 } },
    });
  });

  it("gives every item's record the key keyOf makes, in the results and the file", async () => {
    const { chain } = doubler({ failWhen: (n) => n < 0 });
    const path = join(dir, "out.jsonl");
    const bad = new UnreadableItem(new BatchInputError("line 2 is not JSON"));
    const summary = await runBatch(chain, [{ n: 1 }, bad, { n: -1 }], {
      checkpoint: path,
      collect: true,
      keyOf: (_input, index) => `line-${index + 1}`,
    });
    expect(summary.results?.map((r) => [r.index, r.status, r.key])).toEqual([
      [0, "done", "line-1"],
      [1, "error", "line-2"],
      [2, "error", "line-3"],
    ]);
    const keys = (await readFile(path, "utf8"))
      .split("\n")
      .filter((l) => l.includes('"index"'))
      .map((l) => JSON.parse(l) as { index: number; key?: string })
      .sort((a, b) => a.index - b.index)
      .map((l) => l.key);
    expect(keys).toEqual(["line-1", "line-2", "line-3"]);
  });

  it("walks each item's retries, reviews, failures and timeouts as run() does (the worker awaits the steps)", async () => {
    const tries = new Map<number, number>();
    const chain = defineChain({
      name: "walks",
      version: "1.0.0",
      input: z.object({ n: z.number() }),
      output: z.object({ n: z.number() }),
      flow: sequence(
        retry(
          code("flaky", async ({ n }: { n: number }) => {
            const tried = (tries.get(n) ?? 0) + 1;
            tries.set(n, tried);
            await sleep(n % 4 === 3 ? 600 : 1);
            if (n % 5 === 1 && tried === 1) throw new Error(`first try of ${n}`);
            if (n % 7 === 2) throw new Error(`never ${n}`);
            return { n };
          }),
          { attempts: 2, backoff: { initialMs: 1, jitter: false } },
        ),
        branch("check", [{ when: ({ n }: { n: number }) => n % 6 === 0, flow: review("look") }], {
          otherwise: code("pass", (d: { n: number }) => d),
        }),
      ),
    });
    const inputs = range(24).map((n) => ({ n }));
    const summary = await runBatch(chain, inputs, { concurrency: 8, timeoutMs: 250 });
    const batched = summary.results ?? [];
    tries.clear();
    const alone = await Promise.all(inputs.map((input) => run(chain, input, { timeoutMs: 250 })));
    const shape = (r: { status: string; output?: unknown; error?: { code?: string } | undefined }) => ({
      status: r.status,
      output: r.output,
      code: r.error?.code,
    });
    expect(batched.map(shape)).toEqual(
      alone.map((r) =>
        shape({
          status: r.status,
          ...(r.status === "done" ? { output: r.output } : {}),
          ...(r.status === "error" ? { error: { code: r.error.code } } : {}),
        }),
      ),
    );
    const statuses = new Set(batched.map((r) => r.status));
    expect([...statuses].sort()).toEqual(["done", "error", "waiting"]);
    expect(batched.filter((r) => r.error?.code === "TIMEOUT").length).toBeGreaterThan(0);
    // Without a timeout, the items are walked by the worker itself.
    const inline = await runBatch(chain, inputs, { concurrency: 24 });
    expect(inline.done + inline.failed + inline.waiting).toBe(24);
    expect((inline.results ?? []).filter((r) => r.status === "waiting").map((r) => r.index)).toEqual([
      0, 6, 12, 18,
    ]);
  });

  it("starts each item's run on the clock, whether it read it or took its worker's previous reading", async () => {
    // Synchronous steps: a worker takes item after item without a wait, each starting on the
    // readings that ended the one before. The waiting items' snapshots show the run's times.
    const chain = defineChain({
      name: "clocked",
      version: "1.0.0",
      input: z.object({ n: z.number() }),
      output: z.object({ n: z.number() }),
      flow: sequence(
        code("first", (d: { n: number }) => {
          const until = performance.now() + 2;
          while (performance.now() < until) {} // 2 ms of work: the runs span several clock ticks
          return d;
        }),
        branch("check", [{ when: ({ n }: { n: number }) => n % 2 === 1, flow: review("look") }], {
          otherwise: code("pass", (d: { n: number }) => d),
        }),
      ),
    });
    const before = Date.now();
    const summary = await runBatch(
      chain,
      range(12).map((n) => ({ n })),
      { concurrency: 2 },
    );
    const after = Date.now();
    const waiting = (summary.results ?? []).filter((r) => r.status === "waiting");
    expect(waiting.length).toBe(6);
    for (const item of summary.results ?? []) {
      expect(item.ms).toBeGreaterThanOrEqual(2);
      expect(item.ms).toBeLessThanOrEqual(after - before);
      // A UUIDv7's first 48 bits are its run's start in ms.
      const idMs = Number.parseInt((item.runId ?? "").replace("-", "").slice(0, 12), 16);
      expect(idMs).toBeGreaterThanOrEqual(before);
      expect(idMs).toBeLessThanOrEqual(after);
    }
    for (const item of waiting) {
      const snapshot = item.snapshot as { startedAt: number; steps: { startedAt: number; ms: number }[] };
      const [first] = snapshot.steps;
      expect(snapshot.startedAt).toBeGreaterThanOrEqual(before);
      expect(first?.startedAt).toBeGreaterThanOrEqual(snapshot.startedAt);
      expect(first?.startedAt).toBeLessThanOrEqual(snapshot.startedAt + 1);
      expect(first?.ms).toBeGreaterThanOrEqual(2);
      expect(Number.parseInt((item.runId ?? "").replace("-", "").slice(0, 12), 16)).toBe(snapshot.startedAt);
    }
  });
});
