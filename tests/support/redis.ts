/*
 * A real redis-server for tests: Debian's `redis-server`, installed with apt-get when missing (CI is
 * a fresh machine run as root), started on 127.0.0.1 on a free port with its own temporary
 * directory and the append-only file on (fsync on every write), so that a restart loses nothing.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

/** Where Debian's redis-server package puts the server. */
export const REDIS_SERVER_PATH = "/usr/bin/redis-server";

let installing: Promise<void> | undefined;

/**
 * Makes sure {@link REDIS_SERVER_PATH} exists: when it is missing, runs
 * `apt-get update && apt-get install -y redis-server` (once per process), and throws an error that
 * says how to install it by hand when that is not possible.
 */
export function ensureRedisServer(): Promise<void> {
  if (existsSync(REDIS_SERVER_PATH)) return Promise.resolve();
  installing ??= installRedisServer();
  return installing;
}

async function installRedisServer(): Promise<void> {
  const manual = `Install it with: sudo apt-get update && sudo apt-get install -y redis-server (Debian/Ubuntu), so that ${REDIS_SERVER_PATH} exists.`;
  if (process.getuid?.() !== 0 || !existsSync("/usr/bin/apt-get")) {
    throw new Error(
      `The queue tests need redis-server at ${REDIS_SERVER_PATH}, and it is missing. ${manual}`,
    );
  }
  process.stderr.write(
    `tests: ${REDIS_SERVER_PATH} is missing; installing Debian's redis-server with apt-get ...\n`,
  );
  const run = promisify(execFile);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  try {
    await run("apt-get", ["update"], { env, maxBuffer: 64 * 1024 * 1024, timeout: 600_000 });
    // Waits for another apt-get (a parallel test process) instead of failing.
    await run("apt-get", ["-o", "DPkg::Lock::Timeout=600", "install", "-y", "redis-server"], {
      env,
      maxBuffer: 64 * 1024 * 1024,
      timeout: 900_000,
    });
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(
      `Installing redis-server with apt-get failed (${(error as Error).message.split("\n")[0]}): ${stderr?.slice(-2000) ?? ""}\n${manual}`,
    );
  }
  if (!existsSync(REDIS_SERVER_PATH)) {
    throw new Error(`apt-get installed redis-server but ${REDIS_SERVER_PATH} is still missing. ${manual}`);
  }
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
  const port = await freePort();
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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}
