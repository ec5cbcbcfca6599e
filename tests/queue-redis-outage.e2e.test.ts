/*
 * Queued batches through Redis outages: a real redis-server is crashed (kill -9), shut down cleanly
 * (SIGTERM) or frozen (SIGSTOP, then SIGCONT) at several moments of a batch submitted with `catena
 * batch --queue` to two `catena worker` processes; every round must end, in bounded time, with each
 * item's result exactly once, and the submitter and the workers must say that Redis was away.
 *
 * CI runs one round of each kind (well under a minute). CATENA_QUEUE_STRESS=<rounds> runs that many
 * rounds of random kinds, moments and outage lengths (e.g. CATENA_QUEUE_STRESS=40, some minutes).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, repoRoot } from "./support/ensure-built.ts";
import { useTestRedis } from "./support/redis.ts";
import { catenaBin } from "./support/run-catena.ts";

const CHAINS = join(repoRoot, "tests/fixtures/cli/queue-chains.ts");
const ITEMS = 30;
/** An item runs this long on a worker. */
const ITEM_MS = 40;
/** A round must end this long after its outage ended (the sweep, lock expiry and retries included). */
const BOUND_MS = 25_000;

const redis = useTestRedis();
let dir: string;
const children: ChildProcess[] = [];
const workers: Spawned[] = [];

interface Spawned {
  child: ChildProcess;
  stderr(): string;
  exited: Promise<number>;
}

function spawnCatena(args: readonly string[]): Spawned {
  const child = spawn(process.execPath, [catenaBin, "--no-trace", "--chains", CHAINS, ...args], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: "1" },
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

async function until(condition: () => boolean, describe: () => string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${describe()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), "catena-queue-outage-"));
  for (let i = 0; i < 2; i++) {
    const worker = spawnCatena([
      "worker",
      "--queue",
      redis.url,
      "--concurrency",
      "4",
      "--lock-duration",
      "3000",
    ]);
    await until(
      () => worker.stderr().includes("worker ready"),
      () => worker.stderr(),
    );
    workers.push(worker);
  }
}, 900_000);

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

type Kind = "kill" | "shutdown" | "pause";

interface Round {
  kind: Kind;
  /** Items finished before the outage starts (0: as soon as the batch is on the queue). */
  after: number;
  /** How long Redis stays away. */
  downMs: number;
}

function results(out: string): { index: number; status: string; output?: { n: number } }[] {
  const path = join(dir, out);
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as { index?: number; status: string; output?: { n: number } })
    .filter(
      (l): l is { index: number; status: string; output?: { n: number } } => typeof l.index === "number",
    );
}

let rounds = 0;
async function runRound(round: Round): Promise<void> {
  const name = `round-${++rounds}`;
  const lines = Array.from({ length: ITEMS }, (_, n) => JSON.stringify({ n, delayMs: ITEM_MS }));
  await writeFile(join(dir, `${name}.jsonl`), `${lines.join("\n")}\n`);
  const out = `${name}-out.jsonl`;
  const submitter = spawnCatena([
    "batch",
    "slow-echo",
    "--file",
    `${name}.jsonl`,
    "--out",
    out,
    "--queue",
    redis.url,
    "--concurrency",
    "12",
  ]);
  const said = (): string => `${JSON.stringify(round)}\n${submitter.stderr()}`;
  await until(() => submitter.stderr().includes("catena: batch "), said);
  await until(() => results(out).length >= round.after || submitter.child.exitCode !== null, said);
  const workersSaid = workers.map((w) => w.stderr().length);
  if (round.kind === "pause") {
    redis.pause();
    await new Promise((r) => setTimeout(r, round.downMs));
    redis.resume();
  } else {
    await redis.restart({ how: round.kind, downMs: round.downMs });
  }
  const back = Date.now();
  // Whether the submitter was there to see the outage (a batch may have ended before it).
  const sawIt = submitter.child.exitCode === null;
  const code = await Promise.race([
    submitter.exited,
    new Promise<string>((resolve) => setTimeout(() => resolve("hung"), BOUND_MS)),
  ]);
  expect(code, `the batch ended within ${BOUND_MS} ms of Redis coming back: ${said()}`).toBe(0);
  const got = results(out);
  expect(
    got.map((l) => l.index).sort((a, b) => a - b),
    said(),
  ).toEqual(Array.from({ length: ITEMS }, (_, i) => i));
  for (const line of got) expect(line.output?.n, said()).toBe(line.index);
  // An outage long enough to be noticed (the watch looks every second) is told. (Its end may not
  // be: the batch can finish on the sweep before every connection is back.)
  if (sawIt && round.downMs >= (round.kind === "pause" ? PAUSE_TOLD_MS : 2500)) {
    // Down, it cannot be reached; frozen, it has not answered (or, once BullMQ dropped a blocking
    // connection on it, that connection cannot be made again): never "lost" while it may answer.
    expect(submitter.stderr(), said()).toMatch(
      round.kind === "pause"
        ? /catena: (Redis at .* has not answered for [\d.]+ s .*; waiting up to 60 s for an answer|cannot reach Redis at .*; reconnecting for up to 60 s)/
        : /catena: cannot reach Redis at .*; reconnecting for up to 60 s/,
    );
  }
  // The workers live on, through every outage, and take items again.
  for (const [i, worker] of workers.entries()) {
    expect(worker.child.exitCode, worker.stderr()).toBeNull();
    if (round.downMs >= (round.kind === "pause" ? PAUSE_TOLD_MS : 2500)) {
      await until(
        () => worker.stderr().slice(workersSaid[i]).includes("Redis answers again"),
        () => worker.stderr().slice(workersSaid[i]),
        BOUND_MS - (Date.now() - back),
      );
    }
  }
}

/**
 * How long a freeze lasts at least for it to be told for sure: the 5 s PING deadline, up to 1 s to
 * the next check, and room for a loaded machine (a 7 s freeze went untold once at load 20, the
 * submitter's timers late by seconds).
 */
const PAUSE_TOLD_MS = 9000;

const stress = Number(process.env.CATENA_QUEUE_STRESS ?? "0");

describe("a queued batch while Redis goes away", () => {
  it.each<Round>([
    { kind: "kill", after: 10, downMs: 3000 },
    { kind: "shutdown", after: 0, downMs: 500 },
    { kind: "pause", after: 20, downMs: 10_000 },
  ])(
    "ends with every item once after a $kind of $downMs ms once $after items finished",
    async (round) => {
      await runRound(round);
    },
    60_000,
  );

  it.runIf(stress > 0)(
    `ends with every item once through ${stress} random outages (CATENA_QUEUE_STRESS)`,
    async () => {
      const kinds: Kind[] = ["kill", "shutdown", "pause"];
      for (let i = 0; i < stress; i++) {
        const round: Round = {
          kind: kinds[i % kinds.length] as Kind,
          after: Math.floor(Math.random() * ITEMS),
          downMs: [0, 200, 1500, 4000, 12_000][Math.floor(Math.random() * 5)] as number,
        };
        console.log(`round ${i + 1}/${stress}: ${JSON.stringify(round)}`);
        await runRound(round);
      }
    },
    stress * 120_000,
  );
});
