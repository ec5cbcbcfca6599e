/*
 * Paused reviews end to end: the BUILT `catena` pauses a run at a review, lists it with
 * `catena reviews`, resumes it with `catena resume` (a decision given on the command line, or one
 * stored through the studio's HTTP API and applied with `--decided`), and a real `catena studio`
 * process resumes a run itself when a decision is posted. Traces are read back with the SDK.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type PausedReview, StudioStore, startStudio } from "@catena/studio";
import { Client } from "langsmith";
import type { Run } from "langsmith/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, repoRoot } from "./support/ensure-built.ts";
import { catena, catenaBin } from "./support/run-catena.ts";
import { startStudioProcess } from "./support/studio-process.ts";
import { traceRuns } from "./support/studio-runs.ts";

const chains = join(repoRoot, "tests/fixtures/cli/review-chains.ts");
let dir: string;

beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), "catena-reviews-cli-"));
}, 180_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function cliOn(env: Record<string, string>) {
  return (...args: string[]) => catena(["--chains", chains, ...args], { cwd: dir, env });
}

async function pause(cli: ReturnType<typeof cliOn>): Promise<string> {
  const r = await cli("run", "refund-check", "--input", '{"amount": 12.5}', "--json");
  expect(r.code).toBe(4);
  return (JSON.parse(r.stdout) as { runId: string }).runId;
}

async function runsOf(url: string, runId: string): Promise<Run[]> {
  return traceRuns(new Client({ apiUrl: url, apiKey: "local" }), "default", runId);
}

const meta = (r: Run | undefined) =>
  (r?.extra as { metadata?: Record<string, unknown> } | undefined)?.metadata ?? {};

describe("catena reviews and catena resume", () => {
  it("list a paused run and resume it with a decision, continuing its trace", async () => {
    const dbPath = join(dir, "cli.db");
    const cli = cliOn({ CATENA_STUDIO_DB: dbPath });
    const runId = await pause(cli);
    const plain = await cli("run", "refund-check", "--input", '{"amount": 1}');
    expect(plain.stderr).toContain("catena resume ");

    const listed = await cli("reviews", "--json");
    expect(listed.code).toBe(0);
    const { reviews } = JSON.parse(listed.stdout) as { reviews: PausedReview[] };
    expect(reviews.map((r) => r.run_id)).toContain(runId);
    expect(reviews.find((r) => r.run_id === runId)).toMatchObject({
      chain: "refund-check",
      version: "1.0.0",
      step: "approve",
      status: "waiting",
      decision_schema: { type: "object" },
    });
    const table = await cli("reviews");
    expect(table.stdout).toContain(runId);
    expect(table.stdout).toContain("refund-check@1.0.0");

    const wrong = await cli("resume", runId, "--decision", '{"approved": "maybe"}');
    expect(wrong.code).toBe(2);

    const done = await cli(
      "resume",
      runId,
      "--decision",
      '{"approved": true}',
      "--reviewer",
      "ada",
      "--json",
    );
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ status: "done", runId, output: { outcome: "refunded" } });

    const resumed = JSON.parse((await cli("reviews", "--status", "resumed", "--json")).stdout) as {
      reviews: PausedReview[];
    };
    expect(resumed.reviews).toEqual([expect.objectContaining({ run_id: runId, reviewer: "ada" })]);

    const again = await cli("resume", runId, "--decision", '{"approved": true}');
    expect(again.code).toBe(2);

    const studio = await startStudio({ port: 0, dbPath });
    try {
      const runs = await runsOf(studio.url, runId);
      expect(meta(runs.find((r) => r.id === runId)).status).toBe("done");
      expect(meta(runs.find((r) => r.name === "approve"))).toMatchObject({
        status: "decided",
        reviewer: "ada",
      });
      expect(runs.find((r) => r.name === "finish")?.parent_run_id).toBe(runId);
    } finally {
      await studio.close();
    }
  });

  it("apply decisions stored through the studio's API with --decided", async () => {
    const dbPath = join(dir, "stored.db");
    const cli = cliOn({ CATENA_STUDIO_DB: dbPath });
    const runId = await pause(cli);
    const studio = await startStudio({ port: 0, dbPath });
    try {
      const answer = await fetch(`${studio.url}/catena/reviews/${runId}/decision`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ decision: { approved: false }, reviewer: "bo" }),
      });
      expect(await answer.json()).toMatchObject({ status: "stored" });
    } finally {
      await studio.close();
    }
    const applied = await cli("resume", "--decided");
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain(runId);
    expect(applied.stdout).toContain("done");
    const left = await cli("reviews", "--status", "all", "--json");
    expect((JSON.parse(left.stdout) as { reviews: PausedReview[] }).reviews).toEqual([
      expect.objectContaining({
        run_id: runId,
        status: "resumed",
        reviewer: "bo",
        decision: { approved: false },
      }),
    ]);
  });

  it("resume in catena studio itself when a decision is posted", async () => {
    const studio = await startStudioProcess(join(dir, "served.db"), ["--chains", chains]);
    try {
      const cli = cliOn({ CATENA_STUDIO_URL: studio.url });
      const runId = await pause(cli);
      const answer = await fetch(`${studio.url}/catena/reviews/${runId}/decision`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ decision: { approved: true }, reviewer: "cy" }),
      });
      expect(await answer.json()).toMatchObject({ status: "resumed", run_status: "done" });
      const runs = await runsOf(studio.url, runId);
      const root = runs.find((r) => r.id === runId);
      expect(root?.outputs).toEqual({ outcome: "refunded", cents: 1250 });
      expect(meta(runs.find((r) => r.name === "approve")).status).toBe("decided");
      const listed = await cli("reviews", "--status", "resumed", "--json");
      expect((JSON.parse(listed.stdout) as { reviews: PausedReview[] }).reviews).toEqual([
        expect.objectContaining({ run_id: runId, reviewer: "cy" }),
      ]);
    } finally {
      await studio.stop();
    }
  });
});

describe("the CLI's studio on its own thread", () => {
  // Ctrl-C, and the SIGTERM that `timeout`, `docker stop`, systemd and Kubernetes send.
  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)(
    "keeps the trace of every item a batch finished when the batch is stopped with %s",
    async (signal, exitCode) => {
      const dbPath = join(dir, `interrupted-${signal}.db`);
      const file = join(dir, "items.jsonl");
      const out = join(dir, `results-${signal}.jsonl`);
      await writeFile(
        file,
        Array.from({ length: 400 }, (_, i) => JSON.stringify({ text: `item ${i}` })).join("\n"),
      );
      const child = spawn(
        process.execPath,
        [
          catenaBin,
          "--chains",
          chains,
          "batch",
          "slow-echo",
          "--file",
          file,
          "--out",
          out,
          "--concurrency",
          "4",
        ],
        { cwd: dir, env: { ...process.env, CATENA_STUDIO_DB: dbPath }, stdio: ["ignore", "pipe", "pipe"] },
      );
      // Interrupted once some items are done (their results are written as they finish).
      for (let i = 0; i < 200; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const text = await readFile(out, "utf8").catch(() => "");
        if (text.split("\n").filter((l) => l.trim() !== "").length >= 20) break;
      }
      let stdout = "";
      child.stdout?.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      child.kill(signal);
      const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      expect(code).toBe(exitCode);
      expect(stdout).toMatch(/interrupted: finish the batch with --resume/);
      const finished = (await readFile(out, "utf8"))
        .split("\n")
        .filter((l) => l.trim() !== "")
        .filter((l) => (JSON.parse(l) as { status?: string }).status === "done").length;
      expect(finished).toBeGreaterThanOrEqual(20);
      expect(finished).toBeLessThan(400);
      const store = StudioStore.open(dbPath);
      try {
        const row = store.db
          .prepare(
            "SELECT COUNT(*) AS n FROM runs WHERE parent_run_id IS NULL AND end_time IS NOT NULL AND name = 'slow-echo' AND error IS NULL",
          )
          .get();
        expect(Number(row?.n)).toBeGreaterThanOrEqual(finished);
      } finally {
        store.close();
      }
    },
    120_000,
  );
});
