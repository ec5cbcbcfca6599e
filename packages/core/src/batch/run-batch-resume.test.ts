/* runBatch's results file: refusing to overwrite it, resuming from it, torn and corrupt lines, retrying failures, aborts. */
import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BatchInputError, type BatchProgress, runBatch } from "../index.ts";
import { doubler, indicesOf, range, readLines } from "./run-batch-fixture.case.ts";

describe("runBatch", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "catena-batch-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses to overwrite an existing results file without resume", async () => {
    const { chain, state } = doubler();
    const path = join(dir, "out.jsonl");
    await writeFile(path, `${JSON.stringify({ index: 0, status: "done" })}\n`);
    const attempt = runBatch(chain, [{ n: 1 }], { checkpoint: path });
    await expect(attempt).rejects.toBeInstanceOf(BatchInputError);
    await expect(attempt).rejects.toMatchObject({ code: "BATCH_INPUT" });
    expect(state.calls).toBe(0);
    expect(await readFile(path, "utf8")).toBe(`${JSON.stringify({ index: 0, status: "done" })}\n`);
  });

  it("refuses a results path that is a directory, saying so, with or without resume", async () => {
    const { chain, state } = doubler();
    for (const resume of [false, true]) {
      await expect(runBatch(chain, [{ n: 1 }], { checkpoint: dir, resume })).rejects.toMatchObject({
        code: "BATCH_INPUT",
        message: `Results file ${dir} is a directory; give a file path, e.g. ${dir}/results.jsonl.`,
      });
    }
    expect(state.calls).toBe(0);
  });

  it("with resume, skips the items already in the file", async () => {
    const { chain, state } = doubler();
    const path = join(dir, "out.jsonl");
    const inputs = range(20).map((n) => ({ n }));
    await runBatch(chain, inputs, { checkpoint: path });
    // As if the batch had crashed after 8 items: keep the header and 8 results.
    const written = (await readFile(path, "utf8")).split("\n").slice(0, 9);
    await writeFile(path, `${written.join("\n")}\n`);
    state.calls = 8;
    const events: BatchProgress[] = [];
    const summary = await runBatch(chain, inputs, {
      checkpoint: path,
      resume: true,
      onProgress: (p) => events.push({ ...p }),
    });
    expect(summary.skipped).toBe(8);
    expect(summary.done).toBe(12);
    expect(summary.total).toBe(20);
    expect(state.calls).toBe(20);
    const lines = await readLines(path);
    expect(indicesOf(lines)).toEqual(range(20));
    const last = events.at(-1) as BatchProgress;
    expect(last.done + last.skipped).toBe(20);
    expect(last.skipped).toBe(8);
  });

  it("with resume, an abort while passing over finished items ends the batch as aborted", async () => {
    const { chain } = doubler();
    const path = join(dir, "out.jsonl");
    const inputs = range(20).map((n) => ({ n }));
    await runBatch(chain, inputs, { checkpoint: path });
    // Keep the header and 15 results, then abort while the source passes over item 5.
    const written = (await readFile(path, "utf8")).split("\n").slice(0, 16);
    await writeFile(path, `${written.join("\n")}\n`);
    const controller = new AbortController();
    async function* source(): AsyncGenerator<{ n: number }> {
      for (const input of inputs) {
        if (input.n === 5) controller.abort();
        yield input;
      }
    }
    const summary = await runBatch(chain, source(), {
      checkpoint: path,
      resume: true,
      signal: controller.signal,
    });
    expect(summary.status).toBe("aborted");
    expect(summary.done).toBe(0);
    expect(indicesOf(await readLines(path))).toEqual(range(15));
  });

  it("with resume on a file that does not exist yet, simply starts", async () => {
    const { chain } = doubler();
    const path = join(dir, "sub", "new.jsonl");
    const summary = await runBatch(chain, [{ n: 1 }, { n: 2 }], { checkpoint: path, resume: true });
    expect(summary.done).toBe(2);
    expect(indicesOf(await readLines(path))).toEqual([0, 1]);
  });

  it("cuts a torn last line and runs that item again", async () => {
    const { chain, state } = doubler();
    const path = join(dir, "out.jsonl");
    const inputs = range(10).map((n) => ({ n }));
    await runBatch(chain, inputs, { checkpoint: path });
    // Simulate a crash in the middle of writing item 9's line.
    const whole = (await readLines(path)).filter((l) => l.index !== 9);
    const torn = JSON.stringify({ index: 9, status: "done", output: { doubled: 18 }, input: { n: 9 } });
    const header = (await readFile(path, "utf8")).split("\n")[0];
    await writeFile(path, [header, ...whole.map((l) => JSON.stringify(l))].map((l) => `${l}\n`).join(""));
    await appendFile(path, torn.slice(0, Math.floor(torn.length / 2)));
    state.calls = 0;
    const summary = await runBatch(chain, inputs, { checkpoint: path, resume: true });
    expect(summary.skipped).toBe(9);
    expect(summary.done).toBe(1);
    expect(state.calls).toBe(1);
    const lines = await readLines(path); // every line parses
    expect(indicesOf(lines)).toEqual(range(10));
    expect(lines.find((l) => l.index === 9)).toMatchObject({ status: "done", output: { doubled: 18 } });
  });

  it("refuses to resume a file with a corrupt line that is not the last", async () => {
    const { chain } = doubler();
    const path = join(dir, "out.jsonl");
    const inputs = range(3).map((n) => ({ n }));
    await runBatch(chain, inputs, { checkpoint: path });
    const lines = (await readFile(path, "utf8")).split("\n");
    lines[2] = '{"index":1,"sta';
    await writeFile(path, lines.join("\n"));
    await expect(runBatch(chain, inputs, { checkpoint: path, resume: true })).rejects.toMatchObject({
      code: "BATCH_INPUT",
    });
  });

  it("with retryFailed, runs failed items again without leaving duplicate lines", async () => {
    let broken = true;
    const { chain, state } = doubler({ failWhen: (n) => broken && n % 3 === 0 });
    const path = join(dir, "out.jsonl");
    const inputs = range(12).map((n) => ({ n }));
    const first = await runBatch(chain, inputs, { checkpoint: path });
    expect(first.failed).toBe(4);
    expect(first.done).toBe(8);

    broken = false;
    // Plain resume keeps the failures.
    const plain = await runBatch(chain, inputs, { checkpoint: path, resume: true });
    expect(plain.skipped).toBe(12);
    expect((await readLines(path)).filter((l) => l.status === "error")).toHaveLength(4);

    state.calls = 0;
    const retried = await runBatch(chain, inputs, { checkpoint: path, resume: true, retryFailed: true });
    expect(retried.skipped).toBe(8);
    expect(retried.done).toBe(4);
    expect(retried.failed).toBe(0);
    expect(state.calls).toBe(4);
    const lines = await readLines(path);
    expect(lines).toHaveLength(12);
    expect(indicesOf(lines)).toEqual(range(12));
    expect(lines.every((l) => l.status === "done")).toBe(true);
    expect(lines.find((l) => l.index === 9)?.output).toEqual({ doubled: 18 });
  });

  it("stops on abort with status aborted; the unrecorded items run on resume", async () => {
    const { chain } = doubler({ delayMs: 15 });
    const path = join(dir, "out.jsonl");
    const inputs = range(40).map((n) => ({ n }));
    const controller = new AbortController();
    const summary = await runBatch(chain, inputs, {
      checkpoint: path,
      concurrency: 2,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done >= 4) controller.abort();
      },
    });
    expect(summary.status).toBe("aborted");
    const partial = await readLines(path);
    expect(partial.length).toBeGreaterThanOrEqual(4);
    expect(partial.length).toBeLessThan(40);
    // Aborted items are not recorded as failures.
    expect(partial.every((l) => l.status === "done")).toBe(true);
    expect(new Set(partial.map((l) => l.index)).size).toBe(partial.length);

    const rest = await runBatch(chain, inputs, { checkpoint: path, resume: true, concurrency: 8 });
    expect(rest.status).toBe("done");
    expect(rest.skipped).toBe(partial.length);
    expect(rest.done).toBe(40 - partial.length);
    const lines = await readLines(path);
    expect(indicesOf(lines)).toEqual(range(40));
    expect(lines.every((l) => l.status === "done")).toBe(true);
  });
});
