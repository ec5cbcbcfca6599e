/*
 * A `catena run` refused at its input (INPUT_VALIDATION) is traced like any failed run: the trace
 * link it prints opens a stored run, on a real `catena studio` process. It printed a link to a run
 * the studio never got (404).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt } from "./support/ensure-built.ts";
import { catena } from "./support/run-catena.ts";
import { type StudioProcess, startStudioProcess } from "./support/studio-process.ts";

const CHAINS = join(import.meta.dirname, "fixtures", "cli", "user-chains.ts");
let dir: string;
let studio: StudioProcess;

beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), "catena-refused-input-"));
  studio = await startStudioProcess(join(dir, "studio.db"));
}, 900_000);

afterAll(async () => {
  await studio?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("catena run with an input its chain refuses", () => {
  it("stores the failed run, so the trace link it prints opens it", async () => {
    await writeFile(join(dir, "empty.json"), JSON.stringify({ text: "" }));
    const r = await catena(["--chains", CHAINS, "run", "mood", "--file", "empty.json"], {
      cwd: dir,
      env: { CATENA_STUDIO_URL: studio.url },
    });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^catena: Input does not match the input schema of chain "mood"/);
    const link = /^trace: (\S+)$/m.exec(r.stderr)?.[1] ?? "";
    expect(link.startsWith(`${studio.url}/o/-/r/`), r.stderr).toBe(true);
    const runId = link.slice(link.lastIndexOf("/") + 1);
    const stored = await fetch(`${studio.url}/runs/${runId}`);
    expect(stored.status).toBe(200);
    const run = (await stored.json()) as { status: string; error: string; inputs: unknown };
    expect(run).toMatchObject({ status: "error", inputs: { text: "" } });
    expect(run.error).toMatch(/input schema/);
  }, 120_000);
});
