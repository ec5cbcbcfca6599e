// Studio benchmarks: (1) ingest throughput, runs/s accepted from the real langsmith SDK (RunTree,
// default batching) by the studio, side by side with a discarding sink; (2) POST /runs/query and
// GET /runs/{id} latency on 100,000 stored runs, through the SDK over HTTP and, for reference,
// through the store in-process. See bench/RESULTS.md ("Studio") for figures and the command.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { type RunOperation, StudioStore } from "@catena/studio";
import { Client, RunTree } from "langsmith";
import { fmt, machineNotes, markdownTable, measure, median, numberArg, stringArg } from "../lib/report.ts";

for (const key of Object.keys(process.env)) if (/^(LANGCHAIN|LANGSMITH)_/i.test(key)) delete process.env[key];
process.noDeprecation = true;

const RUNS = numberArg("runs", 20_000);
const ROUNDS = numberArg("rounds", 3);
const STORED = numberArg("stored", 100_000);
const SAMPLES = numberArg("samples", 300);
const RUNS_PER_TRACE = 10;
const serveScript = fileURLToPath(new URL("./serve.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "catena-studio-bench-"));

interface Server {
  url: string;
  stop(): Promise<number>;
}

type ServerKind = "sink" | "studio" | "studio-no-search";

async function spawnServer(kind: ServerKind, dbPath?: string): Promise<Server> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      "--conditions=@catena/source",
      "--disable-warning=ExperimentalWarning",
      serveScript,
      kind,
      ...(dbPath ? [dbPath] : []),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const lines = createInterface({ input: child.stdout! });
  const iterator = lines[Symbol.asyncIterator]();
  const first = await iterator.next();
  const url = String(first.value ?? "").replace(/^READY /, "");
  if (!url.startsWith("http")) throw new Error(`${kind} did not start: ${first.value}`);
  return {
    url,
    async stop() {
      child.kill("SIGTERM");
      const cpu = await iterator.next();
      await new Promise((resolve) => child.once("exit", resolve));
      return Number(String(cpu.value ?? "").replace(/^CPU /, ""));
    },
  };
}

// RUNS runs as traces of RUNS_PER_TRACE: a root and its children, each created, ended and updated
// the way `traceable` does it; the SDK batches and uploads them in the background.
async function sendTraces(client: Client, runs: number): Promise<void> {
  for (let t = 0; t < runs / RUNS_PER_TRACE; t++) {
    const root = new RunTree({
      name: "support-triage",
      run_type: "chain",
      inputs: { text: `ticket ${t}: my card was charged twice` },
      client,
      project_name: "bench-ingest",
      tags: ["support-triage", "v1.0.0"],
      metadata: { chain: "support-triage", version: "1.0.0", fingerprint: "abc123" },
    });
    await root.postRun();
    for (let s = 1; s < RUNS_PER_TRACE; s++) {
      const step = root.createChild({
        name: `step-${s}`,
        run_type: s % 3 === 0 ? "llm" : "tool",
        inputs: { i: s },
      });
      await step.postRun();
      await step.end({ label: "billing", confidence: 0.93 });
      await step.patchRun();
    }
    await root.end({ label: "billing", tier: "regex" });
    await root.patchRun();
  }
  await client.awaitPendingTraceBatches();
}

async function ingestBench(): Promise<string> {
  const rows: string[][] = [];
  const kinds: ServerKind[] = ["sink", "studio", "studio-no-search"];
  const results = Object.fromEntries(
    kinds.map((k) => [k, { wall: [] as number[], clientCpu: [] as number[], serverCpu: [] as number[] }]),
  );
  for (let round = 0; round < ROUNDS; round++) {
    // Each round starts with another kind, so that none always runs first.
    for (const kind of [...kinds.slice(round % 3), ...kinds.slice(0, round % 3)]) {
      const dbPath = join(dir, `ingest-${round}-${kind}.db`);
      const server = await spawnServer(kind, dbPath);
      const client = new Client({ apiUrl: server.url, apiKey: "bench" });
      const { wallMs, cpuMs } = await measure(() => sendTraces(client, RUNS));
      const serverCpu = await server.stop();
      if (kind !== "sink") {
        const store = StudioStore.open(dbPath);
        const stored = Number(
          store.db.prepare("SELECT COUNT(*) AS n FROM runs WHERE end_time IS NOT NULL").get()?.n,
        );
        store.close();
        if (stored !== RUNS) throw new Error(`studio stored ${stored} finished runs, expected ${RUNS}`);
      }
      results[kind]!.wall.push(wallMs);
      results[kind]!.clientCpu.push(cpuMs);
      results[kind]!.serverCpu.push(serverCpu);
    }
  }
  const names: Record<ServerKind, string> = {
    sink: "discarding sink (SDK floor)",
    studio: "Catena studio (SQLite, WAL)",
    "studio-no-search": "Catena studio without the search index",
  };
  for (const kind of kinds) {
    const r = results[kind]!;
    const wall = median(r.wall);
    rows.push([
      names[kind],
      fmt(RUNS / (wall / 1000), 0),
      fmt(RUNS / (Math.min(...r.wall) / 1000), 0),
      fmt((median(r.clientCpu) * 1000) / RUNS, 1),
      fmt((median(r.serverCpu) * 1000) / RUNS, 1),
    ]);
  }
  return markdownTable(
    ["server", "runs/s (median)", "runs/s (best)", "SDK CPU µs/run", "server CPU µs/run"],
    rows,
  );
}

function storedRunOps(t: number, sessionName: string) {
  const base = Date.UTC(2026, 0, 1) + t * 1000;
  const stamp = (ms: number, micros: number) =>
    `${new Date(ms).toISOString().slice(0, 23)}${String(micros).padStart(3, "0")}Z`;
  const seg = (ms: number, micros: number, id: string) => `${stamp(ms, micros).replace(/[-:.]/g, "")}${id}`;
  const rootId = crypto.randomUUID();
  const rootDotted = seg(base, 0, rootId);
  const ops: RunOperation[] = [
    {
      kind: "post",
      run: {
        id: rootId,
        name: "support-triage",
        run_type: "chain",
        trace_id: rootId,
        dotted_order: rootDotted,
        session_name: sessionName,
        start_time: stamp(base, 0),
        end_time: stamp(base + 40, 0),
        inputs: { text: `ticket ${t}: my card was charged twice` },
        outputs: { label: "billing", tier: "regex" },
        tags: ["support-triage", `v1.${t % 3}.0`],
        extra: { metadata: { chain: "support-triage", version: `1.${t % 3}.0` } },
      },
    },
  ];
  for (let s = 1; s < RUNS_PER_TRACE; s++) {
    const id = crypto.randomUUID();
    ops.push({
      kind: "post",
      run: {
        id,
        name: `step-${s}`,
        run_type: "tool",
        trace_id: rootId,
        dotted_order: `${rootDotted}.${seg(base + s, s, id)}`,
        parent_run_id: rootId,
        session_name: sessionName,
        start_time: stamp(base + s, s),
        end_time: stamp(base + s + 2, 0),
        inputs: { i: s },
        outputs: { label: "billing", confidence: 0.9 },
        tags: [],
        extra: { metadata: { chain: "support-triage" } },
      },
    });
  }
  return { rootId, ops };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function timed(samples: number, fn: () => Promise<unknown>): Promise<[number, number]> {
  for (let i = 0; i < 20; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return [percentile(times, 50), percentile(times, 95)];
}

async function queryBench(): Promise<{ table: string; loadNote: string }> {
  const dbPath = join(dir, "query.db");
  const store = StudioStore.open(dbPath);
  const roots: string[] = [];
  const traces = STORED / RUNS_PER_TRACE;
  const load = await measure(async () => {
    for (let start = 0; start < traces; start += 100) {
      const ops: RunOperation[] = [];
      for (let t = start; t < Math.min(traces, start + 100); t++) {
        // Four sessions, so that the session filter has to do work: "bench" holds 70% of the runs.
        const built = storedRunOps(t, t % 10 < 7 ? "bench" : `other-${t % 3}`);
        if (t % 10 < 7) roots.push(built.rootId);
        ops.push(...built.ops);
      }
      store.transaction(() => store.runs.ingest(ops));
    }
  });
  const session = store.sessions.list({ name: "bench", offset: 0, limit: 1 })[0]!;
  const { parseRunQuery, queryRuns } = await import("../../packages/studio/src/store/run-query.ts");
  const { toRunViews } = await import("../../packages/studio/src/store/run-view.ts");
  const direct = await timed(SAMPLES, async () => {
    const page = queryRuns(store.db, parseRunQuery({ session: [session.id], is_root: true, limit: 100 }));
    JSON.stringify(toRunViews(store.db, page.runs, { tenantId: store.tenantId }));
  });
  store.close();

  const server = await spawnServer("studio", dbPath);
  try {
    return await httpQueries(server, session.id, roots, direct, load.wallMs);
  } finally {
    await server.stop();
  }
}

async function httpQueries(
  server: Server,
  sessionId: string,
  roots: readonly string[],
  direct: [number, number],
  loadMs: number,
): Promise<{ table: string; loadNote: string }> {
  const pick = () => roots[Math.floor(Math.random() * roots.length)]!;
  const client = new Client({ apiUrl: server.url, apiKey: "bench" });
  const list = (options: Parameters<Client["listRuns"]>[0]) => async () => {
    let n = 0;
    for await (const _ of client.listRuns(options)) n++;
    // A page is full whenever the session holds 100 matching roots (always at the default sizes).
    if (n === 0 || (options?.filter === undefined && n !== Math.min(100, roots.length))) {
      throw new Error(`listRuns returned ${n} runs`);
    }
  };
  const rows: string[][] = [];
  const row = (name: string, [p50, p95]: [number, number]) => rows.push([name, fmt(p50, 2), fmt(p95, 2)]);
  row("store in-process: session + is_root, 100 runs (no HTTP)", direct);
  row(
    "listRuns: session + is_root, limit 100",
    await timed(SAMPLES, list({ projectId: sessionId, isRoot: true, limit: 100 })),
  );
  row(
    "listRuns: + metadata filter (version = 1.1.0)",
    await timed(
      SAMPLES,
      list({
        projectId: sessionId,
        isRoot: true,
        limit: 100,
        filter: 'and(eq(metadata_key, "version"), eq(metadata_value, "1.1.0"))',
      }),
    ),
  );
  row(
    "listRuns: + has(tags, ...) filter",
    await timed(
      SAMPLES,
      list({ projectId: sessionId, isRoot: true, limit: 100, filter: 'has(tags, "v1.2.0")' }),
    ),
  );
  row("readRun (GET /runs/{id})", await timed(SAMPLES, () => client.readRun(pick())));
  row(
    "readRun + loadChildRuns (9 children)",
    await timed(SAMPLES, () => client.readRun(pick(), { loadChildRuns: true })),
  );
  return {
    table: markdownTable([`query (${fmt(STORED, 0)} stored runs)`, "p50 ms", "p95 ms"], rows),
    loadNote: `loaded ${fmt(STORED, 0)} runs through the store in ${fmt(loadMs / 1000, 1)} s (${fmt(STORED / (loadMs / 1000), 0)} runs/s, transactions of 1,000 runs)`,
  };
}

try {
  console.log(machineNotes());
  console.log(
    `\n## Ingest: ${fmt(RUNS, 0)} runs (traces of ${RUNS_PER_TRACE}) through RunTree + batching, median of ${ROUNDS} rounds\n`,
  );
  console.log(await ingestBench());
  if (stringArg("only") !== "ingest") {
    console.log(`\n## Query latency, ${fmt(SAMPLES, 0)} samples each\n`);
    const query = await queryBench();
    console.log(query.table);
    console.log(`\n${query.loadNote}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
