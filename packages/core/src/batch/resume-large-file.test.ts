import { mkdtemp, open, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { code, defineChain, runBatch } from "../index.ts";

// A results file larger than the longest string V8 can hold (~512 MiB) must still resume: it is
// read as a stream, never as one string. The bulk is blank lines (cheap to write and to skip), put
// between real results so that the scan has to read through all of it.

const chain = defineChain({
  name: "echo",
  version: "1.0.0",
  input: z.object({ n: z.number() }),
  output: z.object({ n: z.number() }),
  flow: code("echo", ({ n }: { n: number }) => ({ n })),
});

describe("resume of a results file over 512 MiB", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "catena-large-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads it as a stream and skips the items it holds", async () => {
    const path = join(dir, "out.jsonl");
    const inputs = Array.from({ length: 6 }, (_, n) => ({ n }));
    await runBatch(chain, inputs, { checkpoint: path });
    const [header, ...records] = (await readFile(path, "utf8")).split("\n").filter((l) => l !== "");
    const blank = Buffer.alloc(1024 * 1024, 0x20);
    blank[blank.length - 1] = 0x0a;
    const handle = await open(path, "w");
    try {
      await handle.write(`${header}\n${records.slice(0, 2).join("\n")}\n`);
      for (let i = 0; i < 560; i++) await handle.write(blank);
      await handle.write(`${records.slice(2, 4).join("\n")}\n`);
    } finally {
      await handle.close();
    }
    expect((await stat(path)).size).toBeGreaterThan(2 ** 29);

    const summary = await runBatch(chain, inputs, { checkpoint: path, resume: true });
    expect(summary).toMatchObject({ status: "done", skipped: 4, done: 2, failed: 0 });
  }, 120_000);
});
