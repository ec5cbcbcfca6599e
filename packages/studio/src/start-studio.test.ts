import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, RunTree } from "langsmith";
import { afterAll, describe, expect, it } from "vitest";
import { defaultStudioDbPath } from "./default-studio-db-path.ts";
import { startStudio } from "./start-studio.ts";
import { collect } from "./studio-fixture.case.ts";

const dir = mkdtempSync(join(tmpdir(), "catena-studio-start-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("startStudio", () => {
  it("keeps traces, feedback and datasets across a restart on the same database", async () => {
    const dbPath = join(dir, "restart.db");
    const first = await startStudio({ dbPath });
    const client = new Client({ apiUrl: first.url, apiKey: "x" });
    const run = new RunTree({
      name: "kept",
      run_type: "chain",
      inputs: { q: 1 },
      client,
      project_name: "durable",
    });
    await run.postRun();
    await run.end({ a: 2 });
    await run.patchRun();
    await client.awaitPendingTraceBatches();
    await client.createFeedback(run.id, "rating", { score: 5 });
    await client.createDataset("kept-ds");
    await first.close();

    const second = await startStudio({ dbPath });
    try {
      const again = new Client({ apiUrl: second.url, apiKey: "x" });
      const runs = await collect(again.listRuns({ projectName: "durable" }));
      expect(runs.map((r) => [r.id, r.outputs])).toEqual([[run.id, { a: 2 }]]);
      expect((await collect(again.listFeedback({ runIds: [run.id] }))).map((f) => f.score)).toEqual([5]);
      expect(await again.hasDataset({ datasetName: "kept-ds" })).toBe(true);
    } finally {
      await second.close();
    }
  });

  it("says which port is taken and how to pick another", async () => {
    const studio = await startStudio({ dbPath: join(dir, "port.db") });
    try {
      await expect(startStudio({ dbPath: join(dir, "port2.db"), port: studio.port })).rejects.toThrow(
        // Both ways in are named as written: the command's flag and the function's option.
        /port is taken; pick another \(`catena studio --port <n>`, or `port` of startStudio\), or 0 for any free port/,
      );
    } finally {
      await studio.close();
    }
  });

  it("takes its body limit from CATENA_STUDIO_MAX_BODY_MB, and refuses a value that is not a size or below 1", async () => {
    const saved = process.env.CATENA_STUDIO_MAX_BODY_MB;
    try {
      process.env.CATENA_STUDIO_MAX_BODY_MB = "lots";
      await expect(startStudio({ dbPath: join(dir, "limit.db") })).rejects.toThrow(
        /CATENA_STUDIO_MAX_BODY_MB="lots" is not a size: give the largest request body in MiB, e\.g\. CATENA_STUDIO_MAX_BODY_MB=64/,
      );
      process.env.CATENA_STUDIO_MAX_BODY_MB = "0.25";
      await expect(startStudio({ dbPath: join(dir, "limit.db") })).rejects.toThrow(
        /CATENA_STUDIO_MAX_BODY_MB="0.25" is below 1 MiB, too small for ordinary trace uploads: give at least 1/,
      );
      process.env.CATENA_STUDIO_MAX_BODY_MB = "1.5";
      const studio = await startStudio({ dbPath: join(dir, "limit.db") });
      try {
        const post = (size: number) =>
          fetch(`${studio.url}/sessions`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ name: "p", description: "x".repeat(size) }),
          });
        expect((await post(1_700_000)).status).toBe(413);
        expect((await post(1_400_000)).status).toBe(201);
        // The SDK sizes its batches by what /info advertises: no more than the limit.
        const info = (await (await fetch(`${studio.url}/info`)).json()) as {
          batch_ingest_config: { size_limit_bytes: number };
        };
        expect(info.batch_ingest_config.size_limit_bytes).toBe(1.5 * 1024 * 1024);
      } finally {
        await studio.close();
      }
    } finally {
      if (saved === undefined) delete process.env.CATENA_STUDIO_MAX_BODY_MB;
      else process.env.CATENA_STUDIO_MAX_BODY_MB = saved;
    }
  });

  it("keeps its database under the user's data directory by default", () => {
    expect(defaultStudioDbPath({ XDG_DATA_HOME: "/data" }, "linux")).toBe("/data/catena/studio.db");
    expect(defaultStudioDbPath({}, "linux")).toMatch(/\.local\/share\/catena\/studio\.db$/);
    expect(defaultStudioDbPath({}, "darwin")).toMatch(/Library\/Application Support\/catena\/studio\.db$/);
  });
});
