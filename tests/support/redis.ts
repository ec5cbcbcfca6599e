/*
 * A real redis-server for tests: Debian's `redis-server`, installed with apt-get when missing (CI is
 * a fresh machine run as root), started on 127.0.0.1 on a free port with its own temporary
 * directory and the append-only file on (fsync on every write), so that a restart loses nothing.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureAptProgram } from "./apt-install.ts";
import { closedPort } from "./closed-port.ts";

/** Where Debian's redis-server package puts the server. */
export const REDIS_SERVER_PATH = "/usr/bin/redis-server";

/**
 * Makes sure {@link REDIS_SERVER_PATH} exists, installing Debian's `redis-server` with apt-get when it is missing
 * (see {@link ensureAptProgram}).
 */
export function ensureRedisServer(): Promise<void> {
  return ensureAptProgram("redis-server", REDIS_SERVER_PATH, "The queue tests");
}

/** A running redis-server of a test. */
export interface TestRedis {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Kills the server (SIGKILL: a crash, not a clean shutdown) and starts it again on the same port and data. */
  restart(): Promise<void>;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

/** Starts a redis-server on 127.0.0.1 on a free port, in a fresh directory, with AOF fsync on every write. */
export async function startRedis(): Promise<TestRedis> {
  await ensureRedisServer();
  const dir = mkdtempSync(join(tmpdir(), "catena-redis-"));
  const port = await closedPort();
  let child = await launch(port, dir);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async restart() {
      await kill(child, "SIGKILL");
      child = await launch(port, dir);
    },
    async stop() {
      await kill(child, "SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function launch(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(
    REDIS_SERVER_PATH,
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--dir",
      dir,
      "--appendonly",
      "yes",
      "--appendfsync",
      "always",
      "--save",
      "",
      "--daemonize",
      "no",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const deadline = Date.now() + 30_000;
  while (!(await answersPing(port))) {
    if (child.exitCode !== null)
      throw new Error(`redis-server exited with code ${child.exitCode}: ${output}`);
    if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}: ${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return child;
}

function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill(signal);
  });
}

/** True when a Redis on `port` answers PING with PONG (also after loading its append-only file). */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
    socket.connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
  });
}
