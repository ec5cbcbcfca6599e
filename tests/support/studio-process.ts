/*
 * A real `catena studio` process on 127.0.0.1 (port 0), for tests that attack the studio the way a
 * browser or another program on the machine would: over its real socket, not in-process.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { catenaBin } from "./run-catena.ts";

/** A studio process that is serving, what it printed so far, and how to stop it. */
export interface StudioProcess {
  url: string;
  port: number;
  dbPath: string;
  child: ChildProcess;
  /** Everything the process wrote to stderr so far (refusals are logged there). */
  stderr(): string;
  /** SIGTERM, and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Spawns `catena studio --port 0 --db <dbPath> --json ...args` and resolves once it printed its
 * `{url, port, dbPath}`; rejects with its stderr when it exits first.
 */
export function startStudioProcess(
  dbPath: string,
  args: readonly string[] = [],
  env: Record<string, string | undefined> = {},
): Promise<StudioProcess> {
  const childEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, CATENA_STUDIO_API_KEY: undefined, ...env })) {
    if (value !== undefined) childEnv[key] = value;
  }
  const child = spawn(
    process.execPath,
    [catenaBin, "studio", "--port", "0", "--db", dbPath, "--json", ...args],
    {
      stdio: ["ignore", "pipe", "pipe"],
      env: childEnv,
    },
  );
  let stdout = "";
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      let started: { url: string; port: number; dbPath: string };
      try {
        started = JSON.parse(stdout);
      } catch {
        return; // not all of the JSON yet
      }
      if (typeof started.url !== "string") return; // an error under --json: the exit tells it
      resolve({
        ...started,
        child,
        stderr: () => stderr,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
          return exited;
        },
      });
    });
    void exited.then((code) =>
      reject(new Error(`catena studio exited with ${code} before serving: ${stderr}${stdout}`)),
    );
  });
}
