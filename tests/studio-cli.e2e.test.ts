import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { catena, catenaBin } from "./support/run-catena.ts";

const dir = mkdtempSync(join(tmpdir(), "catena-studio-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts `catena studio --port 0 --json <args>` and waits for the JSON line that says where it serves. */
async function startStudio(
  args: string[],
  env: Record<string, string> = {},
): Promise<{
  started: { url: string; port: number; dbPath: string };
  stop(): Promise<number | null>;
  stderr(): string;
}> {
  const child = spawn(process.execPath, [catenaBin, "studio", "--port", "0", "--json", ...args], {
    cwd: dir,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const started = await new Promise<{ url: string; port: number; dbPath: string }>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      try {
        resolve(JSON.parse(stdout));
      } catch {
        // not all of the JSON yet
      }
    });
    child.once("exit", (code) => reject(new Error(`catena studio exited with ${code}: ${stderr}`)));
  });
  return {
    started,
    stderr: () => stderr,
    stop: () => {
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      return exited;
    },
  };
}

describe("catena studio", () => {
  it("serves the studio, prints where, and stops cleanly on SIGTERM", async () => {
    const dbPath = join(dir, "studio.db");
    const studio = await startStudio(["--db", dbPath]);
    const { started } = studio;
    expect(started.dbPath).toBe(dbPath);
    expect(started.url).toBe(`http://127.0.0.1:${started.port}`);
    const info = await fetch(`${started.url}/info`);
    expect(info.status).toBe(200);
    expect(await info.json()).toMatchObject({ batch_ingest_config: { use_multipart_endpoint: true } });

    expect(await studio.stop()).toBe(0);
    expect(studio.stderr()).not.toMatch(/ExperimentalWarning/);
  });

  it("serves CATENA_STUDIO_DB when no --db is given: the file `catena run` traced to", async () => {
    const dbPath = join(dir, "from-env.db");
    const studio = await startStudio([], { CATENA_STUDIO_DB: dbPath });
    expect(studio.started.dbPath).toBe(dbPath);
    expect(await studio.stop()).toBe(0);
  });

  it("refuses an empty --host with exit code 2, as a usage error rather than an unsafe address", async () => {
    const result = await catena(["studio", "--port", "0", "--host", ""], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--host needs an address/);
  });

  it("refuses an empty --allow-host with exit code 2", async () => {
    const result = await catena(["studio", "--port", "0", "--allow-host", ""], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--allow-host/);
  });

  it("refuses a port that is not a port with exit code 2", async () => {
    const result = await catena(["studio", "--port", "http"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--port must be an integer from 0 to 65535/);
  });

  it("on a port that is taken, exits with code 2 and says which port and what to give instead", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const result = await catena(["studio", "--port", String(port), "--db", join(dir, "taken.db")], {
        cwd: dir,
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        `catena: Cannot start the studio: port ${port} on 127.0.0.1 is taken (another studio or program listens there): give another with --port <n>, or --port 0 for any free port.\n`,
      );
      const json = await catena(["--json", "studio", "--port", String(port), "--db", join(dir, "taken.db")], {
        cwd: dir,
      });
      expect(json.code).toBe(2);
      expect(JSON.parse(json.stdout)).toMatchObject({ status: "error", error: { code: "STUDIO_LISTEN" } });
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
