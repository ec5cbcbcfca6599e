// Run counts of projects (migration 13): what the projects page's request costs at 1,000,000
// stored runs with the counts kept on the sessions, beside the ways to count without them (the
// statistics request, an indexed count per project); what migration 13 costs on such a database;
// and what keeping the counts costs the write path: as it is (RunStore adds each batch's runs
// per session) beside a per-row insert trigger (the design it replaced), interleaved rounds.
// See bench/RESULTS.md ("Studio: run counts of projects").
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { type RunOperation, StudioStore } from "@catena/studio";
import { fmt, machineNotes, markdownTable, measure, median, numberArg, percentile } from "../lib/report.ts";

process.noDeprecation = true;

const STORED = numberArg("stored", 1_000_000);
const SAMPLES = numberArg("samples", 50);
const ROUNDS = numberArg("rounds", 5);
const BATCHES = numberArg("batches", 20);
const BATCH = 500;
const RUNS_PER_TRACE = 10;
const serveScript = fileURLToPath(new URL("./serve.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "catena-run-counts-bench-"));

/** A finished trace of 10 runs in `project`, as the tracer sends it. */
function trace(project: string): RunOperation[] {
  const rootId = randomUUID();
  const start = new Date().toISOString();
  const stamp = `${start.replace(/[-:.]/g, "").slice(0, 15)}000000Z`;
  const rootOrder = `${stamp}${rootId}`;
  const shared = {
    trace_id: rootId,
    run_type: "chain",
    start_time: start,
    end_time: start,
    session_name: project,
    inputs: { text: "I was charged twice for my subscription this month" },
    outputs: { label: "billing" },
  };
  const ops: RunOperation[] = [
    { kind: "post", run: { ...shared, id: rootId, dotted_order: rootOrder, name: "triage" } },
  ];
  for (let s = 1; s < RUNS_PER_TRACE; s++) {
    const id = randomUUID();
    ops.push({
      kind: "post",
      run: {
        ...shared,
        id,
        parent_run_id: rootId,
        dotted_order: `${rootOrder}.${stamp}${id}`,
        name: `step-${s}`,
      },
    });
  }
  return ops;
}

/** 70% of the traces in "bench", the rest in three other projects (as the v2 query bench). */
function projectOf(t: number): string {
  return t % 10 < 7 ? "bench" : `other-${t % 3}`;
}

function cpuUs(): number {
  const u = process.threadCpuUsage();
  return u.user + u.system;
}

/** Write cost: CPU µs per run of ingest as it is, and with a per-row trigger counting instead. */
function writeCost(): { asIs: number[]; trigger: number[] } {
  const asIs = StudioStore.open(join(dir, "as-is.db"));
  const trigger = StudioStore.open(join(dir, "trigger.db"));
  // Counts twice there (the trigger and RunStore): only its cost matters here.
  trigger.db.exec(`CREATE TRIGGER runs_count_insert AFTER INSERT ON runs WHEN NEW.session_id IS NOT NULL BEGIN
    UPDATE sessions SET run_count = run_count + 1 WHERE id = NEW.session_id; END`);
  const cpu = { asIs: [] as number[], trigger: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? (["asIs", "trigger"] as const) : (["trigger", "asIs"] as const);
    for (const side of order) {
      const store = side === "asIs" ? asIs : trigger;
      const batches = Array.from({ length: BATCHES }, (_, b) =>
        Array.from({ length: BATCH / RUNS_PER_TRACE }, (_, t) => trace(projectOf(b * 50 + t))).flat(),
      );
      const t0 = cpuUs();
      for (const ops of batches) store.transaction(() => store.runs.ingest(ops));
      cpu[side].push((cpuUs() - t0) / (BATCHES * BATCH));
    }
  }
  asIs.close();
  trigger.close();
  return cpu;
}

async function spawnStudio(dbPath: string): Promise<{ url: string; stop(): void }> {
  const child: ChildProcess = spawn(
    process.execPath,
    ["--conditions=@catena/source", "--disable-warning=ExperimentalWarning", serveScript, "studio", dbPath],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const first = await createInterface({ input: child.stdout! })[Symbol.asyncIterator]().next();
  const url = String(first.value ?? "").replace(/^READY /, "");
  if (!url.startsWith("http")) throw new Error(`studio did not start: ${first.value}`);
  return { url, stop: () => child.kill("SIGTERM") };
}

async function main(): Promise<void> {
  const write = writeCost();
  const dbPath = join(dir, "big.db");
  const store = StudioStore.open(dbPath);
  const traces = STORED / RUNS_PER_TRACE;
  const load = await measure(async () => {
    for (let start = 0; start < traces; start += 50) {
      const ops: RunOperation[] = [];
      for (let t = start; t < Math.min(traces, start + 50); t++) ops.push(...trace(projectOf(t)));
      store.transaction(() => store.runs.ingest(ops));
    }
  });
  // Migration 13 on this database: its schema brought back to 12, then opened again.
  store.db.exec(`DROP TRIGGER runs_count_delete; ALTER TABLE sessions DROP COLUMN run_count;
    DELETE FROM schema_migrations WHERE version = 13;`);
  store.close();
  const migration = await measure(async () => StudioStore.open(dbPath).close());

  const studio = await spawnStudio(dbPath);
  // A second connection to the file, as another process reading it would have.
  const reader = StudioStore.open(dbPath);
  const countOne = reader.db.prepare("SELECT count(*) AS n FROM runs WHERE session_id = ?");
  try {
    const get = async (path: string) => {
      const response = await fetch(`${studio.url}${path}`);
      const sessions = (await response.json()) as { id: string; run_count?: number }[];
      if (sessions.length !== 4) throw new Error(`${path} listed ${sessions.length} projects, not 4`);
      return sessions;
    };
    const listed = await get("/sessions?limit=100");
    const total = listed.reduce((a, s) => a + (s.run_count ?? 0), 0);
    if (total !== STORED) throw new Error(`the counts add up to ${total}, not ${STORED}`);
    const rows: [string, () => Promise<unknown>][] = [
      [
        "GET /sessions?limit=100 (the page's request; counts kept on the sessions)",
        () => get("/sessions?limit=100"),
      ],
      [
        "GET /sessions?limit=100&include_stats=true (counts from project statistics)",
        () => get("/sessions?limit=100&include_stats=true"),
      ],
      [
        "count(*) per project on runs_session_start (an indexed count, in-process)",
        async () => {
          for (const s of listed) countOne.get(s.id);
        },
      ],
    ];
    const times = rows.map(() => [] as number[]);
    for (let i = 0; i < 3; i++) for (const [, fn] of rows) await fn();
    for (let i = 0; i < SAMPLES; i++) {
      for (const [j, [, fn]] of rows.entries()) {
        const t0 = performance.now();
        await fn();
        times[j]!.push(performance.now() - t0);
      }
    }
    console.log(machineNotes());
    console.log(
      `\nloaded ${fmt(STORED, 0)} runs (4 projects, 70% in one) through the store in ${fmt(load.wallMs / 1000, 1)} s; migration 13 on them: ${fmt(migration.wallMs, 0)} ms\n`,
    );
    console.log(
      markdownTable(
        [`request (${fmt(STORED, 0)} stored runs, ${SAMPLES} samples, interleaved)`, "p50 ms", "p95 ms"],
        rows.map(([name], j) => {
          const sorted = [...times[j]!].sort((a, b) => a - b);
          return [name, fmt(percentile(sorted, 50), 1), fmt(percentile(sorted, 95), 1)];
        }),
      ),
    );
    const show = (xs: number[]) =>
      `${xs.map((x) => x.toFixed(1)).join(" ")} (median ${median(xs).toFixed(1)})`;
    console.log(`\nruns.ingest as is (counts per batch)    CPU µs/run: ${show(write.asIs)}`);
    console.log(`runs.ingest with a per-row insert trigger CPU µs/run: ${show(write.trigger)}`);
  } finally {
    reader.close();
    studio.stop();
  }
}

try {
  await main();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
