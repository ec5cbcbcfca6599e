/*
 * The set-up of the tests of a worker closing while Redis goes away (tests/queue-force-close.test.ts,
 * tests/queue-worker-drain.test.ts): a worker in a child process (tests/fixtures/queue/
 * worker-close-redis-dies.ts) runs item 0 of a batch of the held chain, and is told to close while
 * the item waits to be released.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChainRegistry, type QueuedRunResult } from "@catena/core";
import { type QueueWorker, redisQueue, startWorker } from "@catena/queue";
import { heldChain } from "../fixtures/queue/held-chain.ts";
import { type FixtureProcess, spawnFixture } from "./fixture-process.ts";
import { until } from "./until.ts";

/** What {@link closingWorkerWithItem} set up; {@link ClosingWorkerWithItem.cleanUp} ends it all. */
export interface ClosingWorkerWithItem {
  readonly batchId: string;
  readonly queueName: string;
  readonly child: FixtureProcess;
  /** The item's result, as the batch records it. */
  readonly result: Promise<QueuedRunResult>;
  /** The pid of the process that started the item (the child's). */
  readonly pid: number;
  /** When the child exited, once it did. */
  exitedAt(): number | undefined;
  /** Lets the item's chain end. */
  release(): void;
  /** Starts a worker of the held chain in this process, on the same queue (closed by cleanUp). */
  startOther(): Promise<QueueWorker>;
  cleanUp(): Promise<void>;
}

/** Options of {@link closingWorkerWithItem}. */
export interface ClosingWorkerOptions {
  /** Names the batch, the queue and the temporary directory. */
  name: string;
  /** The child worker's `lockDurationMs` (the fixture's default: 1000). */
  lockMs?: number;
  /** The child worker's `unreachableAfterMs` (default: the worker's, 60 s). */
  unreachableAfterMs?: number;
}

/**
 * Starts the child worker and a batch of the held chain on a queue of their own, runs item 0 there,
 * and tells the worker to close once the item started; resolves once the worker says it closes.
 */
export async function closingWorkerWithItem(
  redisUrl: string,
  options: ClosingWorkerOptions,
): Promise<ClosingWorkerWithItem> {
  const dir = mkdtempSync(join(tmpdir(), `catena-${options.name}-`));
  const queueName = `${options.name}-${Date.now()}`;
  const child = spawnFixture("queue/worker-close-redis-dies.ts", [
    redisUrl,
    queueName,
    String(options.lockMs ?? 1000),
    ...(options.unreachableAfterMs === undefined ? [] : [String(options.unreachableAfterMs)]),
  ]);
  let exitedAt: number | undefined;
  void child.exited.then(() => {
    exitedAt = Date.now();
  });
  const others: QueueWorker[] = [];
  const batch = await redisQueue(redisUrl, { queueName, sweepMs: 200 }).open({
    batchId: options.name,
    chain: { name: heldChain.name, version: heldChain.version, fingerprint: heldChain.fingerprint },
    resume: false,
    retryFailed: false,
    run: {},
  });
  const cleanUp = async (): Promise<void> => {
    child.kill("SIGKILL");
    writeFileSync(join(dir, "release"), "");
    for (const other of others) await other.close();
    await batch.close({ complete: true });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until(
      () => child.said().includes("ready\n"),
      () => child.said(),
    );
    const result = batch.run(0, { n: 0, dir });
    // Rejected by the batch's close when the test fails before it is awaited.
    result.catch(() => undefined);
    await until(
      () => existsSync(join(dir, "started-0")),
      () => child.said(),
    );
    const pid = Number(readFileSync(join(dir, "started-0"), "utf8"));
    child.tell("close");
    await until(
      () => child.said().includes("closing\n"),
      () => child.said(),
    );
    return {
      batchId: options.name,
      queueName,
      child,
      result,
      pid,
      exitedAt: () => exitedAt,
      release: () => writeFileSync(join(dir, "release"), ""),
      async startOther() {
        const other = await startWorker({ url: redisUrl, queueName, chains: new ChainRegistry([heldChain]) });
        others.push(other);
        return other;
      },
      cleanUp,
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}
