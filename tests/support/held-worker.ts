/*
 * The set-up of the tests of a worker that dies, blips or loses its items (tests/queue-worker-kill,
 * -blip and -lost-lock): a worker of the held chain in a child process (tests/fixtures/queue/
 * held-worker.ts), a batch of that chain on a queue of its own, and a directory for the chain's
 * files; and a wait for Redis's first 10 s, when no worker frees another's items.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { QueuedBatch } from "@catena/core";
import { redisQueue } from "@catena/queue";
import { Redis } from "ioredis";
import { heldChain } from "../fixtures/queue/held-chain.ts";
import { type FixtureProcess, spawnFixture } from "./fixture-process.ts";
import { until } from "./until.ts";

/** What {@link heldWorkerWithBatch} set up. */
export interface HeldWorkerWithBatch {
  queueName: string;
  /** Where the held chain writes `started-<n>` and waits for `release`. */
  dir: string;
  batch: QueuedBatch;
  child: FixtureProcess;
}

/** Options of {@link heldWorkerWithBatch}. */
export interface HeldWorkerOptions {
  /** Names the batch, the queue and the directory. */
  name: string;
  /** The Redis the batch is submitted to. */
  redisUrl: string;
  /** The address the child worker connects to (default `redisUrl`; e.g. a proxy's). */
  workerUrl?: string;
  /** The child worker's `lockDurationMs` (default 30 000). */
  lockMs?: number;
  /** Where the steps that undo this go, run in reverse after the test. */
  cleanup: (() => Promise<void> | void)[];
}

/** Starts the child worker, waits for it to be ready, and opens the batch. */
export async function heldWorkerWithBatch(options: HeldWorkerOptions): Promise<HeldWorkerWithBatch> {
  const { name, cleanup } = options;
  const dir = mkdtempSync(join(tmpdir(), `catena-${name}-`));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const queueName = `${name}-${Date.now()}`;
  const child = spawnFixture("queue/held-worker.ts", [
    options.workerUrl ?? options.redisUrl,
    queueName,
    ...(options.lockMs === undefined ? [] : [String(options.lockMs)]),
  ]);
  cleanup.push(() => child.kill("SIGKILL"));
  await until(
    () => child.said().includes("ready\n"),
    () => child.said(),
  );
  const batch = await redisQueue(options.redisUrl, { queueName }).open({
    batchId: name,
    chain: { name: heldChain.name, version: heldChain.version, fingerprint: heldChain.fingerprint },
    resume: false,
    retryFailed: false,
    run: {},
  });
  cleanup.push(() => batch.close({ complete: false }));
  return { queueName, dir, batch, child };
}

/**
 * Waits until Redis has been up `ms` (10.5 s by default): workers free nobody's items within 10 s of
 * a Redis start, when the connections are still coming back.
 */
export async function redisUpFor(url: string, ms = 10_500): Promise<void> {
  const connection = new Redis(url);
  try {
    const info = await connection.info("server");
    const upMs = Number(/uptime_in_seconds:(\d+)/.exec(info)?.[1] ?? 0) * 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, ms - upMs)));
  } finally {
    connection.disconnect();
  }
}
