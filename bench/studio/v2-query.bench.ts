// v2 query latency (issue 15): POST /api/v2/runs/query and /api/v2/threads/query beside the v1
// POST /runs/query that listRuns sends, on 1,000,000 stored runs, all through the real SDK over
// HTTP against a studio in its own process. See bench/RESULTS.md ("Studio: v2 queries").
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { type RunOperation, StudioStore } from "@catena/studio";
import { Client } from "langsmith";
import { fmt, machineNotes, markdownTable, measure, numberArg } from "../lib/report.ts";

for (const key of Object.keys(process.env)) if (/^(LANGCHAIN|LANGSMITH)_/i.test(key)) delete process.env[key];
process.noDeprecation = true;

const STORED = numberArg("stored", 1_000_000);
const SAMPLES = numberArg("samples", 100);
const RUNS_PER_TRACE = 10;
const TURNS_PER_THREAD = 8;
const serveScript = fileURLToPath(new URL("./serve.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "catena-studio-v2-bench-"));

// Traces of 10 runs in the last 20 hours (the v2 queries' default window is one day), in four
// projects with 70% of them in the queried one; each root is a turn of a thread of 8 turns.
function traceOps(t: number, traces: number, sessionName: string): RunOperation[] {
  const base = Date.now() - 20 * 3_600_000 + Math.floor((t / traces) * 19 * 3_600_000);
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
        name: "support-chat",
        run_type: "chain",
        trace_id: rootId,
        dotted_order: rootDotted,
        session_name: sessionName,
        start_time: stamp(base, 0),
        end_time: stamp(base + 40, 0),
        inputs: { text: `turn ${t}: my card was charged twice` },
        outputs: { answer: "refunded" },
        tags: ["support-chat"],
        extra: {
          metadata: { chain: "support-chat", thread_id: `thread-${Math.floor(t / TURNS_PER_THREAD)}` },
        },
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
        run_type: s % 3 === 0 ? "llm" : "tool",
        trace_id: rootId,
        dotted_order: `${rootDotted}.${seg(base + s, s, id)}`,
        parent_run_id: rootId,
        session_name: sessionName,
        start_time: stamp(base + s, s),
        end_time: stamp(base + s + 2, 0),
        inputs: { i: s },
        outputs:
          s % 3 === 0
            ? { usage_metadata: { input_tokens: 10, output_tokens: 5, total_tokens: 15 } }
            : { ok: 1 },
        tags: [],
        extra: {},
      },
    });
  }
  return ops;
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

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

// The rows are measured interleaved, one sample of each in turn, so that load changes hit all alike.
async function interleaved(
  samples: number,
  fns: readonly (() => Promise<unknown>)[],
): Promise<[number, number][]> {
  for (let i = 0; i < 5; i++) for (const fn of fns) await fn();
  const times = fns.map(() => [] as number[]);
  for (let i = 0; i < samples; i++) {
    for (const [j, fn] of fns.entries()) {
      const t0 = performance.now();
      await fn();
      times[j]!.push(performance.now() - t0);
    }
  }
  return times.map((t) => {
    t.sort((a, b) => a - b);
    return [percentile(t, 50), percentile(t, 95)];
  });
}

async function main(): Promise<void> {
  const dbPath = join(dir, "v2.db");
  const store = StudioStore.open(dbPath);
  const traces = STORED / RUNS_PER_TRACE;
  const load = await measure(async () => {
    for (let start = 0; start < traces; start += 100) {
      const ops: RunOperation[] = [];
      for (let t = start; t < Math.min(traces, start + 100); t++) {
        ops.push(...traceOps(t, traces, t % 10 < 7 ? "bench" : `other-${t % 3}`));
      }
      store.transaction(() => store.runs.ingest(ops));
    }
  });
  const session = store.sessions.list({ name: "bench", offset: 0, limit: 1 })[0]!;
  store.close();
  const studio = await spawnStudio(dbPath);
  try {
    const client = new Client({ apiUrl: studio.url, apiKey: "bench" });
    const page = async <T>(items: AsyncIterable<T>, expected: number) => {
      let n = 0;
      for await (const _ of items) if (++n >= expected) break;
      if (n !== expected) throw new Error(`a page held ${n} items, not ${expected}`);
    };
    const selects = [
      "NAME",
      "RUN_TYPE",
      "STATUS",
      "START_TIME",
      "END_TIME",
      "TOTAL_TOKENS",
      "METADATA",
    ] as const;
    const rows: [string, () => Promise<unknown>][] = [
      [
        "v1 listRuns: session + is_root, 100 runs",
        () => page(client.listRuns({ projectId: session.id, isRoot: true, limit: 100 }), 100),
      ],
      [
        "v2 runs.query: project + is_root, 100 runs, 7 selects",
        () =>
          page(
            client.runs.query({
              project_ids: [session.id],
              is_root: true,
              page_size: 100,
              selects: [...selects],
            }),
            100,
          ),
      ],
      [
        "v2 runs.query: same + include_subtree_usage",
        () =>
          page(
            client.runs.query({
              project_ids: [session.id],
              is_root: true,
              page_size: 100,
              selects: [...selects],
              include_subtree_usage: true,
            }),
            100,
          ),
      ],
      [
        "v2 traces.query: project, 100 traces",
        () => page(client.traces.query({ project_id: session.id, page_size: 100 }), 100),
      ],
      [
        "v2 threads.query: project, 20 threads",
        () => page(client.threads.query({ project_id: session.id, page_size: 20 }), 20),
      ],
      [
        "v2 threads.query: project, 100 threads",
        () => page(client.threads.query({ project_id: session.id, page_size: 100 }), 100),
      ],
    ];
    const results = await interleaved(
      SAMPLES,
      rows.map(([, fn]) => fn),
    );
    console.log(machineNotes());
    console.log(
      `\nloaded ${fmt(STORED, 0)} runs (${fmt(traces, 0)} traces, ${fmt(traces / TURNS_PER_THREAD, 0)} threads) through the store in ${fmt(load.wallMs / 1000, 1)} s\n`,
    );
    console.log(
      markdownTable(
        [`query (${fmt(STORED, 0)} stored runs, ${SAMPLES} samples, interleaved)`, "p50 ms", "p95 ms"],
        rows.map(([name], i) => [name, fmt(results[i]![0], 1), fmt(results[i]![1], 1)]),
      ),
    );
  } finally {
    studio.stop();
  }
}

try {
  await main();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
