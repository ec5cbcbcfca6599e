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
import { afterAll, beforeAll } from "vitest";
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

/** How {@link TestRedis.restart} takes the server down. */
export interface RestartOptions {
  /** `kill`: SIGKILL, a crash (default). `shutdown`: SIGTERM, Redis's own clean shutdown. */
  how?: "kill" | "shutdown";
  /** How long the server stays away before it starts again (default 0). */
  downMs?: number;
}

/** A running redis-server of a test. */
export interface TestRedis {
  /** `redis://127.0.0.1:<port>` (with `:<password>@` when started with one) */
  readonly url: string;
  readonly port: number;
  /** Takes the server down (a crash unless told otherwise) and starts it again on the same port and data. */
  restart(options?: RestartOptions): Promise<void>;
  /** Freezes the server (SIGSTOP): its connections stay open, and nothing answers. */
  pause(): void;
  /** Thaws a server frozen by {@link TestRedis.pause} (SIGCONT). */
  resume(): void;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

/** Options of {@link startRedis}. */
export interface StartRedisOptions {
  /** Clients must AUTH with this (`requirepass`). */
  password?: string;
}

/** Starts a redis-server on 127.0.0.1 on a free port, in a fresh directory, with AOF fsync on every write. */
export async function startRedis(options: StartRedisOptions = {}): Promise<TestRedis> {
  await ensureRedisServer();
  const dir = mkdtempSync(join(tmpdir(), "catena-redis-"));
  const port = await closedPort();
  const { password } = options;
  let child = await launch(port, dir, password);
  return {
    url: `redis://${password === undefined ? "" : `:${encodeURIComponent(password)}@`}127.0.0.1:${port}`,
    port,
    async restart({ how = "kill", downMs = 0 } = {}) {
      // A paused server would not act on SIGTERM.
      if (how === "shutdown") child.kill("SIGCONT");
      await kill(child, how === "kill" ? "SIGKILL" : "SIGTERM");
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      child = await launch(port, dir, password);
    },
    pause() {
      child.kill("SIGSTOP");
    },
    resume() {
      child.kill("SIGCONT");
    },
    async stop() {
      child.kill("SIGCONT");
      await kill(child, "SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One redis-server for the tests of a file: started before them (`beforeAll`) and stopped after
 * (`afterAll`). Read its fields inside tests and hooks, once it runs.
 */
export function useTestRedis(options: StartRedisOptions = {}): TestRedis {
  let redis: TestRedis | undefined;
  beforeAll(async () => {
    redis = await startRedis(options);
  }, 900_000);
  afterAll(async () => {
    await redis?.stop();
  });
  const running = (): TestRedis => {
    if (!redis) throw new Error("The test Redis is not started yet: read it inside a test or a hook.");
    return redis;
  };
  return {
    get url() {
      return running().url;
    },
    get port() {
      return running().port;
    },
    restart: (restartOptions) => running().restart(restartOptions),
    pause: () => running().pause(),
    resume: () => running().resume(),
    stop: () => running().stop(),
  };
}

async function launch(port: number, dir: string, password: string | undefined): Promise<ChildProcess> {
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
      ...(password === undefined ? [] : ["--requirepass", password]),
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
  while (!(await answersPing(port, password))) {
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
function answersPing(port: number, password: string | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("error", () => done(false));
    let answer = "";
    socket.on("data", (data) => {
      answer += data.toString();
      // With a password, AUTH's answer comes first.
      if (password === undefined || answer.split("\r\n").length > 2) done(answer.includes("+PONG"));
    });
    socket.connect(port, "127.0.0.1", () =>
      socket.write(`${password === undefined ? "" : `AUTH ${password}\r\n`}PING\r\n`),
    );
  });
}
