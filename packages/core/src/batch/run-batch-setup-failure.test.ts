/* runBatch failing while it sets up (before any item runs): the results file is not left open. */
import { existsSync, readdirSync, readlinkSync, realpathSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runBatch } from "../index.ts";
import type { BatchOptions } from "./batch-types.ts";
import { doubler } from "./run-batch-fixture.case.ts";

/**
 * File descriptors of this process open on `path` (Linux: /proc/self/fd, whose links name the
 * resolved path: a temporary folder behind a symlink would never match the path as given).
 */
function openOn(path: string): number {
  const resolved = join(realpathSync(dirname(path)), basename(path));
  let n = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === resolved) n++;
    } catch {
      // Closed since the listing.
    }
  }
  return n;
}

describe.runIf(existsSync("/proc/self/fd"))("runBatch failing while it sets up", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "catena-batch-setup-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("closes the results file when the inputs cannot be read, and the file can be resumed", async () => {
    const { chain, state } = doubler();
    const path = join(dir, "out.jsonl");
    // A reader of the caller's that fails when asked for its items (a file that went away).
    const unreadable = {
      [Symbol.iterator](): Iterator<{ n: number }> {
        throw new Error("inputs.csv: no such file");
      },
    };
    await expect(runBatch(chain, unreadable, { checkpoint: path })).rejects.toThrow(
      "inputs.csv: no such file",
    );
    expect(state.calls).toBe(0);
    expect(openOn(path)).toBe(0);
    // The header reached the file: a resume with readable inputs takes it up.
    expect(JSON.parse((await readFile(path, "utf8")).split("\n")[0] as string)).toMatchObject({
      catena: "batch-results",
    });
    const summary = await runBatch(chain, [{ n: 1 }], { checkpoint: path, resume: true, forceResume: true });
    expect(summary.done).toBe(1);
    expect(openOn(path)).toBe(0);
  });

  it("sees the results file while a batch holds it open", async () => {
    // The check above is worth something only if it sees an open file.
    const { chain } = doubler();
    const path = join(dir, "out.jsonl");
    let seen = 0;
    await runBatch(chain, [{ n: 1 }], {
      checkpoint: path,
      onProgress: () => {
        seen = Math.max(seen, openOn(path));
      },
    });
    expect(seen).toBeGreaterThan(0);
    expect(openOn(path)).toBe(0);
  });

  it("leaves no results file when the rate gate cannot be set up", async () => {
    const { chain, state } = doubler();
    const path = join(dir, "out.jsonl");
    await expect(runBatch(chain, [{ n: 1 }], { checkpoint: path, rate: { perSecond: 0 } })).rejects.toThrow();
    expect(state.calls).toBe(0);
    expect(existsSync(path)).toBe(false);
    expect(openOn(path)).toBe(0);
  });

  it("leaves no results file when what is set up before it fails (untyped metadata)", async () => {
    const { chain } = doubler();
    const path = join(dir, "out.jsonl");
    const options = { checkpoint: path, metadata: null } as unknown as BatchOptions;
    await expect(runBatch(chain, [{ n: 1 }], options)).rejects.toThrow();
    expect(existsSync(path)).toBe(false);
    expect(openOn(path)).toBe(0);
  });
});
