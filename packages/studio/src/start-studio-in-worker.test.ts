import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "langsmith";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStudioInWorker } from "./start-studio-in-worker.ts";
import { StudioStore } from "./store/studio-store.ts";
import { StudioStartError } from "./studio-start-error.ts";

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "catena-studio-worker-"));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("startStudioInWorker", () => {
  it("serves the API from a worker thread and keeps every acknowledged run once closed", async () => {
    const dbPath = join(dir, "worker.db");
    const studio = await startStudioInWorker({ port: 0, dbPath });
    const client = new Client({ apiUrl: studio.url, apiKey: "test", autoBatchTracing: false });
    const ids = Array.from({ length: 20 }, () => crypto.randomUUID());
    await Promise.all(
      ids.map((id) =>
        client.createRun({
          id,
          name: "step",
          run_type: "chain",
          inputs: { id },
          project_name: "worker",
          start_time: Date.now(),
          end_time: Date.now(),
        }),
      ),
    );
    await studio.close();
    const store = StudioStore.open(dbPath);
    try {
      const row = store.db.prepare("SELECT COUNT(*) AS n FROM runs").get();
      expect(Number(row?.n)).toBe(ids.length);
    } finally {
      store.close();
    }
  });

  it("says why it could not start, as startStudio does", async () => {
    const first = await startStudioInWorker({ port: 0, dbPath: join(dir, "a.db") });
    try {
      const second = startStudioInWorker({ port: first.port, dbPath: join(dir, "b.db") });
      await expect(second).rejects.toBeInstanceOf(StudioStartError);
      await expect(second).rejects.toMatchObject({ code: "listen-failed" });
    } finally {
      await first.close();
    }
  });
});
