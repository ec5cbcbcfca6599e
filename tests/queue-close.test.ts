/* A queued batch closing while Redis restarts, on a real redis-server: its process still exits. */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./support/ensure-built.ts";
import { useTestRedis } from "./support/redis.ts";

const redis = useTestRedis();

describe("a batch closed while Redis restarts", () => {
  it("closes in bounded time, and leaves nothing that keeps its process alive", async () => {
    const child = spawn(
      process.execPath,
      [
        "--conditions=@catena/source",
        "--disable-warning=ExperimentalWarning",
        join(repoRoot, "tests/fixtures/queue/close-while-away.ts"),
        redis.url,
      ],
      { cwd: repoRoot, stdio: ["pipe", "pipe", "pipe"] },
    );
    let said = "";
    child.stdout.on("data", (chunk: Buffer) => {
      said += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      said += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      for (const end = Date.now() + 20_000; !said.includes("open\n"); ) {
        if (Date.now() > end || child.exitCode !== null) throw new Error(`never opened: ${said}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      // Redis goes away for 3 s; the batch is closed during it, before its watch noticed. Its
      // last writes waited for Redis, then BullMQ's close waited for an "end" of a reconnecting
      // connection, then the events' read loop retried the dropped connection every 5 s: it never
      // exited.
      const restarted = redis.restart({ downMs: 3000 });
      await new Promise((r) => setTimeout(r, 100));
      child.stdin.write("close\n");
      const started = Date.now();
      const code = await Promise.race([
        exited,
        new Promise<string>((r) => setTimeout(() => r("alive"), 20_000)),
      ]);
      expect(code, said).toBe(0);
      expect(said).toContain("closed\n");
      expect(Date.now() - started).toBeLessThan(15_000);
      await restarted;
    } finally {
      child.kill("SIGKILL");
    }
  }, 60_000);
});
