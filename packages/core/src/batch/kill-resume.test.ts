import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

// The crash test: a batch process is killed with SIGKILL (no chance to flush or clean up), then the
// same batch is resumed; every item must end up in the results file exactly once.

const here = dirname(fileURLToPath(import.meta.url));
const fixture = join(here, "fixtures", "batch-child.ts");
const coreDir = resolve(here, "..", "..");
const N = 400;

interface Child {
  proc: ChildProcess;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

function startChild(checkpoint: string): Child {
  const proc = spawn(process.execPath, ["--conditions=@catena/source", fixture, checkpoint, String(N)], {
    cwd: coreDir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  proc.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  proc.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const exit = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((res, rej) => {
    proc.on("error", rej);
    proc.on("close", (code, signal) => res({ code, signal, stdout, stderr }));
  });
  return { proc, exit };
}

/** Whole lines of the file (a torn last line, without its newline, is not counted). */
async function wholeLines(path: string): Promise<string[]> {
  if (!existsSync(path)) return [];
  const text = await readFile(path, "utf8");
  return text
    .slice(0, text.lastIndexOf("\n") + 1)
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith('{"catena":"batch-results"')); // not the header
}

/** Waits until the file holds at least `min` whole lines, then kills the child with SIGKILL. */
async function killAfter(child: Child, path: string, min: number): Promise<number> {
  let exited = false;
  void child.exit.then(() => {
    exited = true;
  });
  const deadline = Date.now() + 20_000;
  while (!exited && Date.now() < deadline) {
    if ((await wholeLines(path)).length >= min) break;
    await new Promise((r) => setTimeout(r, 2));
  }
  if (exited) {
    const { code, stderr } = await child.exit;
    throw new Error(`child exited (code ${code}) before it could be killed; stderr:\n${stderr}`);
  }
  child.proc.kill("SIGKILL");
  const { signal } = await child.exit;
  expect(signal).toBe("SIGKILL");
  return (await wholeLines(path)).length;
}

describe("batch checkpoint survives kill -9", () => {
  let dir: string;
  const children: Child[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "catena-kill-"));
  });
  afterEach(async () => {
    for (const c of children.splice(0))
      if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  });

  it("each item appears exactly once after two kills and a resume", async () => {
    const path = join(dir, "results.jsonl");

    const first = startChild(path);
    children.push(first);
    const afterFirstKill = await killAfter(first, path, 1);
    expect(afterFirstKill).toBeGreaterThan(0);
    expect(afterFirstKill).toBeLessThan(N);

    const second = startChild(path);
    children.push(second);
    const afterSecondKill = await killAfter(second, path, Math.max(afterFirstKill + 1, 200));
    expect(afterSecondKill).toBeGreaterThan(afterFirstKill);
    expect(afterSecondKill).toBeLessThan(N);

    const last = startChild(path);
    children.push(last);
    const { code, stdout, stderr } = await last.exit;
    expect(code, stderr).toBe(0);
    const summary = JSON.parse(stdout.trim().split("\n").at(-1) as string) as {
      status: string;
      total: number;
      done: number;
      failed: number;
      skipped: number;
    };
    expect(summary.status).toBe("done");
    expect(summary.total).toBe(N);
    expect(summary.failed).toBe(0);
    expect(summary.done + summary.skipped).toBe(N);
    expect(summary.skipped).toBeGreaterThanOrEqual(afterSecondKill);

    const text = await readFile(path, "utf8");
    expect(text.endsWith("\n")).toBe(true); // no torn tail
    const [header, ...lines] = text.split("\n").filter((l) => l !== "");
    expect(JSON.parse(header as string)).toMatchObject({ catena: "batch-results", chain: "slow-square" });
    const records = lines.map(
      (l) => JSON.parse(l) as { index: number; status: string; output: { i: number; square: number } },
    );
    const counts = new Map<number, number>();
    for (const r of records) counts.set(r.index, (counts.get(r.index) ?? 0) + 1);
    const missing = Array.from({ length: N }, (_, i) => i).filter((i) => !counts.has(i));
    const duplicated = [...counts].filter(([, c]) => c > 1).map(([i]) => i);
    expect(missing).toEqual([]);
    expect(duplicated).toEqual([]);
    expect(records).toHaveLength(N);
    for (const r of records) {
      expect(r.status).toBe("done");
      expect(r.output).toEqual({ i: r.index, square: r.index * r.index });
    }
  }, 60_000);
});
