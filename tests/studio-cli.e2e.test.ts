import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { catena, catenaBin } from "./support/run-catena.ts";

const dir = mkdtempSync(join(tmpdir(), "catena-studio-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("catena studio", () => {
  it("serves the studio, prints where, and stops cleanly on SIGTERM", async () => {
    const dbPath = join(dir, "studio.db");
    const child = spawn(process.execPath, [catenaBin, "studio", "--port", "0", "--db", dbPath, "--json"], {
      cwd: dir,
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
    expect(started.dbPath).toBe(dbPath);
    expect(started.url).toBe(`http://127.0.0.1:${started.port}`);
    const info = await fetch(`${started.url}/info`);
    expect(info.status).toBe(200);
    expect(await info.json()).toMatchObject({ batch_ingest_config: { use_multipart_endpoint: true } });

    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(stderr).not.toMatch(/ExperimentalWarning/);
  });

  it("refuses a port that is not a port with exit code 2", async () => {
    const result = await catena(["studio", "--port", "http"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--port must be an integer from 0 to 65535/);
  });
});
