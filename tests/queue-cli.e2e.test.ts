/*
 * End-to-end tests of batches on a queue: a real redis-server (tests/support/redis.ts), real BullMQ,
 * real `catena worker` processes and a real `catena batch --queue` submitter, spawned from the built
 * binary. Workers and the submitter are killed with SIGKILL and Redis is restarted mid-batch; after
 * each, the results file must hold every input exactly once.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, repoRoot } from "./support/ensure-built.ts";
import { startRedis, useTestRedis } from "./support/redis.ts";
import { catena, catenaBin } from "./support/run-catena.ts";

const CHAINS = join(repoRoot, "tests/fixtures/cli/queue-chains.ts");

const redis = useTestRedis();
let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), "catena-queue-cli-"));
}, 900_000);

afterEach(async () => {
  for (const child of children.splice(0)) await stop(child, "SIGKILL");
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A spawned `catena` process and what it printed so far. */
interface Spawned {
  child: ChildProcess;
  stderr(): string;
  exited: Promise<number>;
}

function spawnCatena(args: readonly string[], env: Record<string, string> = {}): Spawned {
  const child = spawn(process.execPath, [catenaBin, "--no-trace", "--chains", CHAINS, ...args], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let err = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  child.stdout?.resume();
  const exited = new Promise<number>((resolve) => child.once("exit", (code) => resolve(code ?? -1)));
  return { child, stderr: () => err, exited };
}

/** Starts `catena worker` on the test Redis; a 2 s lock, so that a killed worker's items move on quickly. */
async function startWorker(
  extra: readonly string[] = [],
  env: Record<string, string> = {},
): Promise<Spawned> {
  const worker = spawnCatena(
    ["worker", "--queue", redis.url, "--concurrency", "4", "--lock-duration", "2000", ...extra],
    env,
  );
  await until(
    () => worker.stderr().includes("worker ready"),
    () => worker.stderr(),
  );
  return worker;
}

function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill(signal);
  });
}

async function until(condition: () => boolean, describe: () => string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${describe()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface ResultLine {
  index: number;
  status: string;
  output?: { n: number; pid: number; startedAt: number };
  error?: { code: string; message: string };
}

function results(out: string): ResultLine[] {
  const path = join(dir, out);
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => {
      try {
        return JSON.parse(l) as ResultLine & { catena?: string };
      } catch {
        return { catena: "torn" } as ResultLine & { catena?: string };
      }
    })
    .filter((l) => typeof l.index === "number");
}

async function inputFile(name: string, count: number, delayMs: number): Promise<void> {
  const lines = Array.from({ length: count }, (_, n) => JSON.stringify({ n, delayMs }));
  await writeFile(join(dir, name), `${lines.join("\n")}\n`);
}

/** Every input index exactly once, each done with its own `n`. */
function expectEachOnce(lines: ResultLine[], count: number): void {
  const indices = lines.map((l) => l.index).sort((a, b) => a - b);
  expect(indices).toEqual(Array.from({ length: count }, (_, i) => i));
  for (const line of lines) {
    expect(line.status).toBe("done");
    expect(line.output?.n).toBe(line.index);
  }
}

const submit = (input: string, out: string, ...extra: string[]) =>
  spawnCatena(["batch", "slow-echo", "--file", input, "--out", out, "--queue", redis.url, ...extra]);

describe("catena batch --queue", () => {
  it("runs a batch on two workers and writes the same results file as a local batch", async () => {
    await inputFile("normal.jsonl", 40, 20);
    const workers = [await startWorker(), await startWorker()];
    const submitter = submit("normal.jsonl", "normal-out.jsonl");
    expect(await submitter.exited, submitter.stderr()).toBe(0);
    const lines = results("normal-out.jsonl");
    expectEachOnce(lines, 40);
    // Both workers took items.
    const pids = new Set(lines.map((l) => l.output?.pid));
    expect(pids).toEqual(new Set(workers.map((w) => w.child.pid)));
    // The header is a local batch's header: a local --resume of this file has nothing left to do.
    const local = await catena(
      [
        "--no-trace",
        "--chains",
        CHAINS,
        "batch",
        "slow-echo",
        "--file",
        "normal.jsonl",
        "--out",
        "normal-out.jsonl",
        "--resume",
      ],
      { cwd: dir },
    );
    expect(local.code, local.stderr).toBe(0);
    expect(local.stdout).toContain("skipped 40");
    // catena queue status counts the batch's items.
    const batchId = /batch ([0-9a-f]{16}) on/.exec(submitter.stderr())?.[1] as string;
    const status = await catena(["--json", "queue", "status", batchId, "--queue", redis.url], { cwd: dir });
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      batchId,
      chain: "slow-echo",
      counts: { done: 40, failed: 0 },
      state: "finished",
      expiresAt: expect.any(Number),
    });
    // It ran to its end: the text says when its counts leave Redis (a stopped one says "kept").
    const text = await catena(["queue", "status", batchId, "--queue", redis.url], { cwd: dir });
    expect(text.stdout).toMatch(/^state: finished; expires \d{4}-\d\d-\d\dT/m);
  }, 120_000);

  it("loses nothing when a worker is killed with SIGKILL mid-batch", async () => {
    await inputFile("worker-kill.jsonl", 40, 150);
    const doomed = await startWorker();
    const submitter = submit("worker-kill.jsonl", "worker-kill-out.jsonl", "--concurrency", "40");
    await until(
      () => results("worker-kill-out.jsonl").length >= 4,
      () => submitter.stderr(),
    );
    await stop(doomed.child, "SIGKILL"); // it held up to 4 items
    const survivor = await startWorker();
    expect(await submitter.exited, submitter.stderr()).toBe(0);
    const lines = results("worker-kill-out.jsonl");
    expectEachOnce(lines, 40);
    expect(lines.some((l) => l.output?.pid === survivor.child.pid)).toBe(true);
  }, 120_000);

  it("resumes from Redis exactly once after the submitter is killed with SIGKILL", async () => {
    await inputFile("submitter-kill.jsonl", 40, 100);
    await startWorker();
    const first = submit("submitter-kill.jsonl", "submitter-kill-out.jsonl", "--concurrency", "20");
    await until(
      () => results("submitter-kill-out.jsonl").length >= 5,
      () => first.stderr(),
    );
    await stop(first.child, "SIGKILL");
    const before = results("submitter-kill-out.jsonl").length;
    expect(before).toBeLessThan(40);
    // The worker goes on with what was queued while no submitter listens.
    await new Promise((r) => setTimeout(r, 500));
    const second = submit("submitter-kill.jsonl", "submitter-kill-out.jsonl", "--resume");
    expect(await second.exited, second.stderr()).toBe(0);
    expectEachOnce(results("submitter-kill-out.jsonl"), 40);
  }, 120_000);

  it("carries on when Redis restarts mid-batch (append-only file on)", async () => {
    await inputFile("redis-restart.jsonl", 40, 100);
    await startWorker();
    const submitter = submit("redis-restart.jsonl", "redis-restart-out.jsonl", "--concurrency", "20");
    await until(
      () => results("redis-restart-out.jsonl").length >= 5,
      () => submitter.stderr(),
    );
    await redis.restart();
    expect(await submitter.exited, submitter.stderr()).toBe(0);
    expectEachOnce(results("redis-restart-out.jsonl"), 40);
  }, 180_000);

  it("warns when no item finished for --stall-warn seconds, naming the batch and that no worker listens; finishes once one starts", async () => {
    await inputFile("stall.jsonl", 3, 10);
    const submitter = submit("stall.jsonl", "stall-out.jsonl", "--stall-warn", "1");
    await until(
      () => submitter.stderr().includes("catena: warning: batch "),
      () => submitter.stderr(),
    );
    expect(submitter.stderr()).toMatch(
      /catena: warning: batch \S+: no item finished for \d+ s; waiting for 3 items \(3 queued, 0 running, 0 waiting for a retry\) with 0 workers on queue catena-batches\. Start one: catena worker --queue <url> --chains <module>\.\n/,
    );
    await startWorker();
    expect(await submitter.exited, submitter.stderr()).toBe(0);
    expectEachOnce(results("stall-out.jsonl"), 3);
  }, 120_000);

  it("says only that no Redis answers when the queue's address is wrong (no batch line first), exit 1", async () => {
    await inputFile("nowhere.jsonl", 2, 10);
    const own = await startRedis();
    const url = own.url;
    await own.stop(); // a port where nothing listens now
    const r = await catena(
      [
        "--no-trace",
        "--chains",
        CHAINS,
        "batch",
        "slow-echo",
        "--file",
        "nowhere.jsonl",
        "--out",
        "nowhere-out.jsonl",
        "--queue",
        url,
      ],
      { cwd: dir },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `catena: No Redis answered at ${url} within 5 s: start redis-server there, or give the right --queue redis://host:port.\n`,
    );
  }, 60_000);

  it("runs on a Redis with a password, never printing it; without it, says a password is needed", async () => {
    await inputFile("password.jsonl", 6, 10);
    const own = await startRedis({ password: "pw-9f3k" });
    try {
      const worker = spawnCatena(["worker", "--queue", own.url, "--concurrency", "4"]);
      await until(
        () => worker.stderr().includes("worker ready"),
        () => worker.stderr(),
      );
      const redacted = own.url.replace(":pw-9f3k@", ":***@");
      expect(worker.stderr()).toContain(`queue ${redacted}`);
      const submitter = spawnCatena([
        "batch",
        "slow-echo",
        "--file",
        "password.jsonl",
        "--out",
        "password-out.jsonl",
        "--queue",
        own.url,
      ]);
      expect(await submitter.exited).toBe(0);
      expectEachOnce(results("password-out.jsonl"), 6);
      expect(submitter.stderr()).toMatch(
        new RegExp(`catena: batch \\w+ on ${redacted.replace(/[*.?/]/g, "\\$&")}`),
      );
      // The status command it suggests can be copied: it says where the password goes.
      expect(submitter.stderr()).toContain(`--queue ${own.url.replace(":pw-9f3k@", ":<password>@")})`);
      for (const said of [worker.stderr(), submitter.stderr()]) expect(said).not.toContain("pw-9f3k");

      const without = await catena(["queue", "status", "abc", "--queue", own.url.replace(":pw-9f3k@", "")], {
        cwd: dir,
      });
      expect(without.code).toBe(1);
      expect(without.stderr).toMatch(/catena: Redis at redis:\/\/127\.0\.0\.1:\d+\/? requires a password/);
    } finally {
      await own.stop();
    }
  }, 60_000);

  it("gives up on a Redis that never comes back: submitter and worker name it and exit 1, finished results kept", async () => {
    const own = await startRedis();
    await inputFile("redis-gone.jsonl", 40, 100);
    const worker = spawnCatena([
      "worker",
      "--queue",
      own.url,
      "--concurrency",
      "4",
      "--lock-duration",
      "2000",
      "--redis-wait",
      "2",
    ]);
    await until(
      () => worker.stderr().includes("worker ready"),
      () => worker.stderr(),
    );
    const submitter = spawnCatena([
      "batch",
      "slow-echo",
      "--file",
      "redis-gone.jsonl",
      "--out",
      "redis-gone-out.jsonl",
      "--queue",
      own.url,
      "--redis-wait",
      "2",
    ]);
    await until(
      () => results("redis-gone-out.jsonl").length >= 5,
      () => submitter.stderr(),
    );
    await own.stop();
    expect(await submitter.exited, submitter.stderr()).toBe(1);
    expect(submitter.stderr()).toContain(`catena: Could not reach Redis at ${own.url} for `);
    expect(submitter.stderr()).toMatch(/results file holds every item finished so far.*--resume/);
    expect(await worker.exited, worker.stderr()).toBe(1);
    expect(worker.stderr()).toContain(`cannot reach Redis at ${own.url} (`);
    expect(worker.stderr()).toMatch(
      /reconnecting for up to 2 s\n[\s\S]*catena: Could not reach Redis at .* the worker stopped/,
    );
    // Told once per outage, not on every reconnection attempt.
    expect(worker.stderr().match(/ECONNREFUSED/g)?.length ?? 0).toBeLessThanOrEqual(2);
    const kept = results("redis-gone-out.jsonl");
    expect(kept.length).toBeGreaterThanOrEqual(5);
    expect(new Set(kept.map((l) => l.index)).size).toBe(kept.length);
    for (const line of kept) expect(line.output?.n).toBe(line.index);
  }, 120_000);

  it("a worker with other chain code refuses the batch's items and says why; --retry-failed reruns them", async () => {
    await inputFile("mismatch.jsonl", 6, 10);
    const stale = await startWorker([], { CATENA_TEST_CHAIN_VARIANT: "changed" });
    const submitter = submit("mismatch.jsonl", "mismatch-out.jsonl");
    expect(await submitter.exited, submitter.stderr()).toBe(1); // failed items
    const refused = results("mismatch-out.jsonl");
    expect(refused).toHaveLength(6);
    for (const line of refused) {
      expect(line.status).toBe("error");
      expect(line.error?.code).toBe("QUEUE_CHAIN_MISMATCH");
      expect(line.error?.message).toMatch(/fingerprint/);
    }
    expect(stale.stderr()).toMatch(/refused: Chain slow-echo@1\.0\.0 here has fingerprint/);
    await stop(stale.child, "SIGTERM");
    await startWorker();
    const again = submit("mismatch.jsonl", "mismatch-out.jsonl", "--retry-failed");
    expect(await again.exited, again.stderr()).toBe(0);
    expectEachOnce(results("mismatch-out.jsonl"), 6);
  }, 120_000);

  it("holds one rate limit across two workers", async () => {
    await inputFile("rate.jsonl", 30, 10);
    const workers = [await startWorker(), await startWorker()];
    const submitter = submit("rate.jsonl", "rate-out.jsonl", "--rate", "5/s");
    expect(await submitter.exited, submitter.stderr()).toBe(0);
    const lines = results("rate-out.jsonl");
    expectEachOnce(lines, 30);
    const starts = lines.map((l) => l.output?.startedAt as number).sort((a, b) => a - b);
    // Unlimited, 2 workers x 4 slots x 10 ms items start dozens a second. BullMQ counts in fixed
    // windows, so a sliding second may see two windows' worth: at most 10, loosely.
    let most = 0;
    for (let i = 0; i < starts.length; i++)
      most = Math.max(
        most,
        starts.filter((t) => t >= (starts[i] as number) && t < (starts[i] as number) + 1000).length,
      );
    expect(most).toBeLessThanOrEqual(10);
    expect(new Set(lines.map((l) => l.output?.pid))).toEqual(new Set(workers.map((w) => w.child.pid)));
  }, 120_000);

  it("catena queue cancel removes the waiting items and stops the submitter; status says cancelled; remove forgets it", async () => {
    await inputFile("cancel.jsonl", 30, 10);
    const submitter = submit("cancel.jsonl", "cancel-out.jsonl"); // no worker: everything waits
    await until(
      () => /batch [0-9a-f]{16} on/.test(submitter.stderr()),
      () => submitter.stderr(),
    );
    const batchId = /batch ([0-9a-f]{16}) on/.exec(submitter.stderr())?.[1] as string;
    await new Promise((r) => setTimeout(r, 1000)); // let it queue the items
    const cancel = await catena(["--json", "queue", "cancel", batchId, "--queue", redis.url], { cwd: dir });
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(JSON.parse(cancel.stdout)).toMatchObject({ batchId, cancelled: true, removed: 30 });
    expect(await submitter.exited).not.toBe(0);
    expect(submitter.stderr()).toMatch(/cancelled/);
    const status = await catena(["--json", "queue", "status", batchId, "--queue", redis.url], { cwd: dir });
    expect(JSON.parse(status.stdout)).toMatchObject({ batchId, cancelled: true });

    // Nobody will resume it: remove it, and nothing of it stays in Redis.
    const remove = await catena(["--json", "queue", "remove", batchId, "--queue", redis.url], { cwd: dir });
    expect(remove.code, remove.stderr).toBe(0);
    expect(JSON.parse(remove.stdout)).toMatchObject({ batchId, removed: true, jobs: 0 });
    const gone = await catena(["queue", "status", batchId, "--queue", redis.url], { cwd: dir });
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toMatch(new RegExp(`No batch ${batchId}`));
  }, 120_000);
});
