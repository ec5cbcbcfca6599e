/*
 * `--redis-answer-within` of `catena worker` and `catena batch --queue`, end to end from the built
 * binary on a real redis-server frozen with SIGSTOP: a bad value is refused, the option is in
 * `--help`, and a frozen Redis is told as not answering, measured against that deadline.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, repoRoot } from "./support/ensure-built.ts";
import { startRedis } from "./support/redis.ts";
import { catena, catenaBin } from "./support/run-catena.ts";

const CHAINS = join(repoRoot, "tests/fixtures/cli/queue-chains.ts");
let dir: string;

beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), "catena-answer-within-"));
}, 900_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function until(condition: () => boolean, describe: () => string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${describe()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("--redis-answer-within", () => {
  it("refuses a bad value, and is in --help", async () => {
    const url = "redis://127.0.0.1:1";
    for (const args of [
      ["worker", "--queue", url, "--redis-answer-within", "0.5"],
      [
        "batch",
        "slow-echo",
        "--file",
        "x.jsonl",
        "--out",
        "x-out.jsonl",
        "--queue",
        url,
        "--redis-answer-within",
        "soon",
      ],
    ]) {
      const refused = await catena(["--no-trace", "--chains", CHAINS, ...args], { cwd: dir });
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stderr).toMatch(
        /catena: --redis-answer-within must be a number of seconds, 1 or more .*, got "(0\.5|soon)"\./,
      );
    }
    const help = await catena(["worker", "--help"], { cwd: dir });
    expect(help.stdout.replace(/\s+/g, " ")).toContain(
      '--redis-answer-within <seconds> how long a connected Redis may leave a PING unanswered (a slow command, a frozen server) before it counts as away, at least 1 (default: "5")',
    );
  }, 120_000);

  it("tells a frozen Redis after that long, in those words", async () => {
    const own = await startRedis();
    const child = spawn(
      process.execPath,
      [
        catenaBin,
        "--no-trace",
        "--chains",
        CHAINS,
        "worker",
        "--queue",
        own.url,
        "--redis-answer-within",
        "1",
      ],
      { cwd: dir, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    try {
      await until(
        () => stderr.includes("worker ready"),
        () => stderr,
      );
      own.pause();
      // Generous: the machine may be loaded (the tests ran at load 20). How long the PING waited is
      // the worker's own measure, in the message, and is what the option sets.
      await until(
        () => stderr.includes("has not answered"),
        () => stderr,
        20_000,
      );
      own.resume();
      const told =
        /catena: worker: Redis at redis:\/\/127\.0\.0\.1:\d+ has not answered for ([\d.]+) s \(.*\); waiting up to 60 s for an answer\n/.exec(
          stderr,
        );
      expect(told, stderr).not.toBeNull();
      // At least the 1 s asked for, and less than the default 5 s it would wait without the option.
      expect(Number(told?.[1])).toBeGreaterThanOrEqual(1);
      expect(Number(told?.[1])).toBeLessThan(5);
      await until(
        () => stderr.includes("Redis answers again"),
        () => stderr,
      );
    } finally {
      child.kill("SIGKILL");
      own.resume();
      await own.stop();
    }
  }, 120_000);
});
