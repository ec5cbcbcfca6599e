// Resume of a large batch results file: the file is read as a stream, so memory stays flat however
// large it is (before, the whole file was read into one string, which fails past ~512 MiB with
// `Invalid string length`).
//
//   node --conditions=@catena/source bench/batch/resume.bench.ts [--gb=2] [--new=1000]
//
// Writes a results file of --gb GiB (a header and ~370-byte result lines, as `catena batch` writes
// them) into a temporary directory, then, in a fresh child process, resumes it with runBatch over an
// async source of the same items plus --new new ones: every old item is skipped, the new ones run.
// The child samples its RSS every 50 ms and reports peak RSS (and the OS's maxRSS), the time to the
// first new item and the total time. The temporary directory is deleted at the end.
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { code, defineChain, runBatch } from "@catena/core";
import { z } from "zod";
import { fmt, loadNote, machineNotes, markdownTable, numberArg, stringArg } from "../lib/report.ts";

const chain = defineChain({
  name: "resume-bench",
  version: "1.0.0",
  input: z.object({ text: z.string() }),
  output: z.object({ label: z.string(), confidence: z.number(), tier: z.string() }),
  flow: code("classify", ({ text }: { text: string }) => ({
    label: text.length % 2 === 0 ? "even" : "odd",
    confidence: 0.97,
    tier: "rules",
  })),
});
const DIGEST = "sha256:resume-bench";
const TEXT =
  "I was charged twice for order #A1234567, two payments of $49.99 on 03/12/2026; please refund one of them. ";

async function* items(count: number): AsyncGenerator<{ text: string }> {
  for (let i = 0; i < count; i++) yield { text: `${TEXT}${i}` };
}

async function writeResults(path: string, bytes: number): Promise<number> {
  // The header comes from a real runBatch over no items, so that the resume accepts the file.
  await runBatch(chain, [], { checkpoint: path, inputDigest: DIGEST });
  const out = createWriteStream(path, { flags: "a" });
  let written = (await stat(path)).size;
  let count = 0;
  let batch: string[] = [];
  while (written < bytes) {
    const line = `${JSON.stringify({
      index: count,
      chain: chain.name,
      version: chain.version,
      status: "done",
      runId: `0193b3c1-7a2e-7${String(count).padStart(3, "0").slice(-3)}-8a4b-${String(count).padStart(12, "0")}`,
      ms: 0.123,
      input: { text: `${TEXT}${count}` },
      output: { label: count % 2 === 0 ? "even" : "odd", confidence: 0.97, tier: "rules" },
    })}\n`;
    batch.push(line);
    written += line.length;
    count++;
    if (batch.length === 10_000) {
      if (!out.write(batch.join(""))) await once(out, "drain");
      batch = [];
    }
  }
  out.end(batch.join(""));
  await once(out, "finish");
  return count;
}

async function child(path: string, old: number, fresh: number): Promise<void> {
  let peak = process.memoryUsage.rss();
  const before = peak;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 50);
  const t0 = performance.now();
  let firstNewMs: number | undefined;
  const summary = await runBatch(chain, items(old + fresh), {
    checkpoint: path,
    resume: true,
    inputDigest: DIGEST,
    concurrency: 8,
    onItem: () => {
      firstNewMs ??= performance.now() - t0;
    },
  });
  const ms = performance.now() - t0;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage.rss());
  process.stdout.write(
    `${JSON.stringify({
      skipped: summary.skipped,
      done: summary.done,
      ms,
      firstNewMs,
      rssBefore: before,
      rssPeak: peak,
      maxRss: process.resourceUsage().maxRSS * 1024,
    })}\n`,
  );
}

const role = stringArg("child");
if (role !== undefined) {
  const [path, old, fresh] = role.split(",");
  await child(path as string, Number(old), Number(fresh));
} else {
  const gib = numberArg("gb", 2);
  const fresh = numberArg("new", 1000);
  const dir = await mkdtemp(join(tmpdir(), "catena-resume-bench-"));
  try {
    const path = join(dir, "results.jsonl");
    const tw = performance.now();
    const old = await writeResults(path, gib * 1024 ** 3);
    const size = (await stat(path)).size;
    process.stderr.write(
      `wrote ${fmt(size / 1024 ** 3, 2)} GiB, ${old} items in ${fmt((performance.now() - tw) / 1000, 1)} s\n`,
    );
    const out = execFileSync(
      process.execPath,
      ["--conditions=@catena/source", fileURLToPath(import.meta.url), `--child=${path},${old},${fresh}`],
      { encoding: "utf8", maxBuffer: 1024 * 1024 },
    );
    const r = JSON.parse(out.trim().split("\n").at(-1) as string) as {
      skipped: number;
      done: number;
      ms: number;
      firstNewMs: number;
      rssBefore: number;
      rssPeak: number;
      maxRss: number;
    };
    if (r.skipped !== old || r.done !== fresh) throw new Error(`unexpected summary ${out}`);
    const mb = (b: number): string => fmt(b / 1024 ** 2, 0);
    console.log(machineNotes());
    console.log(loadNote());
    console.log(
      markdownTable(
        [
          "results file",
          "items skipped",
          "new items",
          "resume time",
          "time to first new item",
          "RSS before",
          "peak RSS",
          "maxRSS (OS)",
          "MB/s",
        ],
        [
          [
            `${fmt(size / 1024 ** 3, 2)} GiB`,
            fmt(r.skipped, 0),
            fmt(r.done, 0),
            `${fmt(r.ms / 1000, 1)} s`,
            `${fmt(r.firstNewMs / 1000, 1)} s`,
            `${mb(r.rssBefore)} MB`,
            `${mb(r.rssPeak)} MB`,
            `${mb(r.maxRss)} MB`,
            fmt(size / 1024 ** 2 / (r.firstNewMs / 1000), 0),
          ],
        ],
      ),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
