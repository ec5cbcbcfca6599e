import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { BatchResumeError, code, defineChain, isResultsHeader, runBatch } from "../index.ts";

// A results file records what it belongs to (chain, version, fingerprint, input digest); a resume
// against anything else is refused, unless forced.

function chainOf(opts: { name?: string; version?: string; factor?: number } = {}) {
  const factor = opts.factor ?? 2;
  const state = { calls: 0 };
  const chain = defineChain({
    name: opts.name ?? "doubler",
    version: opts.version ?? "1.0.0",
    input: z.object({ n: z.number() }),
    output: z.object({ doubled: z.number() }),
    flow:
      factor === 2
        ? code("double", ({ n }: { n: number }) => {
            state.calls++;
            return { doubled: n * 2 };
          })
        : code("double", ({ n }: { n: number }) => {
            state.calls++;
            return { doubled: n * 3 };
          }),
  });
  return { chain, state };
}

const inputs = (n: number, offset = 0) => Array.from({ length: n }, (_, i) => ({ n: i + offset }));

async function fileLines(path: string): Promise<Record<string, unknown>[]> {
  return (await readFile(path, "utf8"))
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe("results file identity", () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "catena-identity-"));
    path = join(dir, "out.jsonl");
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("starts with a header naming chain, version, fingerprint and input; every line names chain and version", async () => {
    const { chain } = chainOf();
    await runBatch(chain, inputs(4), { checkpoint: path, inputSource: "numbers.jsonl" });
    const [header, ...records] = await fileLines(path);
    expect(isResultsHeader(header)).toBe(true);
    expect(header).toMatchObject({
      catena: "batch-results",
      format: 1,
      chain: "doubler",
      version: "1.0.0",
      fingerprint: chain.fingerprint,
      input: { digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), source: "numbers.jsonl" },
    });
    expect(records).toHaveLength(4);
    for (const r of records) expect(r).toMatchObject({ chain: "doubler", version: "1.0.0", status: "done" });
  });

  it("refuses to resume with another chain, and runs nothing", async () => {
    await runBatch(chainOf().chain, inputs(5), { checkpoint: path });
    const before = await readFile(path, "utf8");
    const other = chainOf({ name: "tripler", factor: 3 });
    const attempt = runBatch(other.chain, inputs(5), { checkpoint: path, resume: true });
    await expect(attempt).rejects.toBeInstanceOf(BatchResumeError);
    await expect(attempt).rejects.toMatchObject({
      code: "BATCH_RESUME_MISMATCH",
      message: expect.stringMatching(
        /belongs to another batch \(chain doubler in the file, tripler now.*force/,
      ),
    });
    expect(other.state.calls).toBe(0);
    expect(await readFile(path, "utf8")).toBe(before);
  });

  it("refuses another version, and another fingerprint under the same version", async () => {
    await runBatch(chainOf().chain, inputs(3), { checkpoint: path });
    await expect(
      runBatch(chainOf({ version: "1.1.0" }).chain, inputs(3), { checkpoint: path, resume: true }),
    ).rejects.toMatchObject({
      code: "BATCH_RESUME_MISMATCH",
      mismatches: [{ field: "version", file: "1.0.0", now: "1.1.0" }],
    });
    await expect(
      runBatch(chainOf({ factor: 3 }).chain, inputs(3), { checkpoint: path, resume: true }),
    ).rejects.toMatchObject({ mismatches: [{ field: "fingerprint" }] });
  });

  it("refuses other inputs: another array, or another inputDigest", async () => {
    const { chain } = chainOf();
    await runBatch(chain, inputs(6), { checkpoint: path });
    await expect(runBatch(chain, inputs(6, 100), { checkpoint: path, resume: true })).rejects.toMatchObject({
      code: "BATCH_RESUME_MISMATCH",
      mismatches: [{ field: "input" }],
    });
    const other = join(dir, "other.jsonl");
    await runBatch(chain, inputs(2), {
      checkpoint: other,
      inputDigest: "sha256:aaaa",
      inputSource: "a.jsonl",
    });
    await expect(
      runBatch(chain, inputs(2), {
        checkpoint: other,
        resume: true,
        inputDigest: "sha256:bbbb",
        inputSource: "b.jsonl",
      }),
    ).rejects.toThrow(/input a\.jsonl \(sha256:aaaa\) in the file, b\.jsonl \(sha256:bbbb\) now/);
  });

  it("resumes the same chain and input as before", async () => {
    const { chain, state } = chainOf();
    await runBatch(chain, inputs(4), { checkpoint: path });
    const summary = await runBatch(chain, inputs(4), { checkpoint: path, resume: true });
    expect(summary).toMatchObject({ skipped: 4, done: 0 });
    expect(summary.forcedResume).toBeUndefined();
    expect(state.calls).toBe(4);
  });

  it("forceResume resumes a mismatching file and says what differed", async () => {
    await runBatch(chainOf().chain, inputs(3), { checkpoint: path });
    const other = chainOf({ version: "2.0.0" });
    const summary = await runBatch(other.chain, inputs(5), {
      checkpoint: path,
      resume: true,
      forceResume: true,
    });
    expect(summary).toMatchObject({ skipped: 3, done: 2 });
    // Five inputs where the file was made from three: the input differs too.
    expect(summary.forcedResume?.mismatches).toEqual([
      { field: "version", file: "1.0.0", now: "2.0.0" },
      { field: "input", file: expect.stringMatching(/^sha256:/), now: expect.stringMatching(/^sha256:/) },
    ]);
    const records = (await fileLines(path)).filter((l) => typeof l.index === "number");
    expect(records.filter((r) => r.version === "2.0.0").map((r) => r.index)).toEqual([3, 4]);
  });

  it("refuses a file without a header (an older catena's) unless forced", async () => {
    const { chain, state } = chainOf();
    const legacy = [0, 1].map((index) =>
      JSON.stringify({ index, status: "done", output: { doubled: index * 2 } }),
    );
    await writeFile(path, `${legacy.join("\n")}\n`);
    await expect(runBatch(chain, inputs(3), { checkpoint: path, resume: true })).rejects.toThrow(
      /has no header line .*older catena.*--force-resume/,
    );
    expect(state.calls).toBe(0);
    const summary = await runBatch(chain, inputs(3), { checkpoint: path, resume: true, forceResume: true });
    expect(summary).toMatchObject({ skipped: 2, done: 1 });
    expect(summary.forcedResume?.mismatches).toMatchObject([{ field: "header" }]);
  });

  it("writes a header into an empty file it resumes", async () => {
    const { chain } = chainOf();
    await writeFile(path, "");
    await runBatch(chain, inputs(2), { checkpoint: path, resume: true });
    const [header] = await fileLines(path);
    expect(isResultsHeader(header)).toBe(true);
  });
});
