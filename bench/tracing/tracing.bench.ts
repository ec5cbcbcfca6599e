// Tracing overhead: 1,000 sequential runs of a small regex chain (normalize, a cascade of a regex
// tier and a fallback, compose: 5-6 runs per trace) with tracing off and with Catena's LangSmith
// tracer sending to the studio, side by side in one process.
//
//   node --conditions=@catena/source bench/tracing/tracing.bench.ts [--runs=1000] [--rounds=5] [--warmup=300] [--io-only=1] [--modes=0,1,4]
//
// Modes: tracing off; traced to the studio in its own process (SQLite), once with the JSON
// batches Catena's tracer asks for and once with multipart (the route that carries attachments,
// which the studio offers every other client); traced to the studio in this process, as `catena
// run` did (on the main thread) and does (on a worker thread of its own); traced to a discarding sink in its own process (the floor:
// what the langsmith SDK itself costs with a server that stores nothing), once with the SDK's
// default multipart uploads and once told by `/info` to send JSON `/runs/batch`. Every round runs each
// mode once, in rotated order, on a fresh database; the tables show the median round. "runs" is
// the wall time of the 1,000 `await run(...)` calls; "+ flush" adds `tracer.flush()`, the time
// until the backend has every run. CPU is this process's (user + system), which includes the
// in-process studio but not a studio in its own process; "chain thread" is the main thread's
// alone (the chain and the tracer's hand-over), "studio process" a studio's in its own process.
// `--modes=0,1,4` runs only those rows of the table (0 = tracing off, the baseline, always runs).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { cascade, code, defineChain, type Flow, regex, run, sequence } from "@catena/core";
import { type LangsmithTracer, langsmithTracer } from "@catena/core/tracing";
import { StudioStore, startStudio, startStudioInWorker } from "@catena/studio";
import { z } from "zod";
import { fmt, machineNotes, markdownTable, measure, median, numberArg } from "../lib/report.ts";

for (const key of Object.keys(process.env)) if (/^(LANGCHAIN|LANGSMITH)_/i.test(key)) delete process.env[key];
process.noDeprecation = true;

const RUNS = numberArg("runs", 1000);
const ROUNDS = numberArg("rounds", 5);
const WARMUP = numberArg("warmup", 300);
const IO_MS = numberArg("io-ms", 2);
const serveScript = fileURLToPath(new URL("../studio/serve.ts", import.meta.url));
const sinkScript = fileURLToPath(new URL("./sink.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "catena-tracing-bench-"));

const chain = defineChain({
  name: "regex-triage",
  version: "1.0.0",
  input: z.object({ text: z.string() }),
  output: z.object({ queue: z.string(), confidence: z.number(), tier: z.string() }),
  flow: sequence(
    code("normalize", ({ text }: { text: string }) => ({ text: text.trim().toLowerCase() })),
    cascade("route", [
      {
        step: regex("rules", {
          rules: [
            { label: "billing", pattern: /\b(charged|refund|invoice)\b/ },
            { label: "shipping", pattern: /\b(parcel|delivery|tracking)\b/ },
          ],
        }),
        threshold: 0.9,
      },
      { step: code("fallback", () => ({ label: "other", confidence: 0.3 })), accept: () => true },
    ]),
    code("compose", (r: { label: string | null; confidence: number; tier: string }) => ({
      queue: r.label ?? "other",
      confidence: r.confidence,
      tier: r.tier,
    })),
  ),
});

/** The same chain with a step that waits for I/O (a cache, an API, a model) between the tiers and compose. */
const ioChain = defineChain({
  name: "regex-triage-io",
  version: "1.0.0",
  input: chain.input,
  output: chain.output,
  flow: sequence(
    // The chain's own flow is kept untyped on the chain; its output is the chain's output.
    chain.flow as Flow<unknown, { queue: string; confidence: number; tier: string }>,
    code("lookup", async (out: { queue: string; confidence: number; tier: string }) => {
      await new Promise((resolve) => setTimeout(resolve, IO_MS));
      return out;
    }),
  ),
});

const TEXTS = [
  "I was charged twice for my order",
  "Where is my parcel? The tracking page is empty",
  "Do you have a showroom in Berlin?",
];

interface Backend {
  url: string;
  /** The database the runs land in, to check that all of them arrived (none for the sink). */
  dbPath?: string;
  /** Stops the backend; a backend in its own process says how much CPU it used (ms). */
  stop(): Promise<number | undefined>;
}

/** A studio (`serve.ts studio <db>`) or a sink (`sink.ts multipart|batch`) in a child process. */
async function spawned(script: string, args: string[], dbPath?: string): Promise<Backend> {
  const child: ChildProcess = spawn(
    process.execPath,
    ["--conditions=@catena/source", "--disable-warning=ExperimentalWarning", script, ...args],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  const url = String((await lines.next()).value ?? "").replace(/^READY /, "");
  if (!url.startsWith("http")) throw new Error(`${script} ${args.join(" ")} did not start`);
  return {
    url,
    ...(dbPath === undefined ? {} : { dbPath }),
    async stop() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      // serve.ts prints "CPU <ms>" as it stops; the sink prints nothing.
      const line = await Promise.race([lines.next(), exited.then(() => undefined)]);
      await exited;
      const cpu = /^CPU (\d+)/.exec(String(line?.value ?? ""));
      return cpu ? Number(cpu[1]) : undefined;
    },
  };
}

async function inProcess(dbPath: string): Promise<Backend> {
  const studio = await startStudio({ port: 0, dbPath });
  return { url: studio.url, dbPath, stop: () => studio.close().then(() => undefined) };
}

async function inWorker(dbPath: string): Promise<Backend> {
  const studio = await startStudioInWorker({ port: 0, dbPath });
  return { url: studio.url, dbPath, stop: () => studio.close().then(() => undefined) };
}

interface Mode {
  name: string;
  backend?: (key: string) => Promise<Backend>;
  /** The upload route the tracer asks a studio for (default JSON batches). */
  ingest?: "json" | "multipart";
}

const ALL_MODES: Mode[] = [
  { name: "tracing off" },
  {
    name: "traced → studio (own process), JSON /runs/batch",
    backend: (r) => {
      const db = join(dir, `studio-${r}.db`);
      return spawned(serveScript, ["studio", db], db);
    },
  },
  {
    // The route that carries run attachments: what the studio offers every other SDK client.
    name: "traced → studio (own process), multipart",
    backend: (r) => {
      const db = join(dir, `studio-mp-${r}.db`);
      return spawned(serveScript, ["studio", db], db);
    },
    ingest: "multipart",
  },
  {
    name: "traced → studio (this process, main thread)",
    backend: (r) => inProcess(join(dir, `inproc-${r}.db`)),
  },
  {
    name: "traced → studio (this process, own worker thread, as the CLI)",
    backend: (r) => inWorker(join(dir, `inworker-${r}.db`)),
  },
  {
    name: "traced → discarding sink, multipart (SDK floor)",
    backend: () => spawned(sinkScript, ["multipart"]),
  },
  { name: "traced → discarding sink, JSON /runs/batch", backend: () => spawned(sinkScript, ["batch"]) },
];

const chosen = process.argv.find((a) => a.startsWith("--modes="))?.slice("--modes=".length);
const MODES = chosen
  ? ALL_MODES.filter((_, i) => i === 0 || chosen.split(",").map(Number).includes(i))
  : ALL_MODES;

/** A workload: the chain, and what one run of it is given. */
interface Workload {
  name: string;
  chain: typeof chain | typeof ioChain;
}

const ALL_WORKLOADS: Workload[] = [
  { name: "regex chain", chain },
  { name: `regex chain + a ${IO_MS} ms I/O step`, chain: ioChain },
];
// `--io-only=1`: only the chain with I/O, the one the ≤ 10% target is stated for.
const WORKLOADS = numberArg("io-only", 0) === 1 ? ALL_WORKLOADS.slice(1) : ALL_WORKLOADS;

async function runs(workload: Workload, n: number, tracer: LangsmithTracer | undefined): Promise<void> {
  const options = tracer ? { tracer } : {};
  for (let i = 0; i < n; i++) {
    const r = await run(workload.chain, { text: TEXTS[i % TEXTS.length] as string }, options);
    if (r.status !== "done") throw new Error(`run ${i} ended ${r.status}`);
  }
}

function storedRoots(dbPath: string): number {
  const store = StudioStore.open(dbPath);
  try {
    const row = store.db
      .prepare("SELECT COUNT(*) AS n FROM runs WHERE parent_run_id IS NULL AND end_time IS NOT NULL")
      .get();
    return Number(row?.n);
  } finally {
    store.close();
  }
}

interface Sample {
  runsMs: number;
  totalMs: number;
  cpuMs: number;
  /** The main thread's CPU: the chain and the tracer's hand-over to its export worker. */
  chainCpuMs: number;
  /** A studio's CPU in its own process. */
  backendCpuMs?: number;
}

/** Runs `n` runs of the workload in `mode` on a fresh backend; checks that every trace arrived. */
async function timed(workload: Workload, mode: Mode, round: number, n: number): Promise<Sample> {
  const backend = await mode.backend?.(`${WORKLOADS.indexOf(workload)}-${round}`);
  const tracer = backend
    ? langsmithTracer({
        apiUrl: backend.url,
        apiKey: "bench",
        project: "bench",
        ingest: mode.ingest ?? "json",
      })
    : undefined;
  let runsMs = 0;
  const thread0 = process.threadCpuUsage();
  const { wallMs, cpuMs } = await measure(async () => {
    const t0 = performance.now();
    await runs(workload, n, tracer);
    runsMs = performance.now() - t0;
    const flushed = await tracer?.flush(120_000);
    if (flushed && flushed.status !== "sent")
      throw new Error(`${mode.name}: flush ${flushed.status} ${flushed.problem ?? ""}`);
  });
  const thread = process.threadCpuUsage(thread0);
  tracer?.close();
  const backendCpuMs = await backend?.stop();
  if (backend?.dbPath !== undefined) {
    const stored = storedRoots(backend.dbPath);
    if (stored !== n) throw new Error(`${mode.name}: ${stored} traces stored, expected ${n}`);
  }
  const out: Sample = { runsMs, totalMs: wallMs, cpuMs, chainCpuMs: (thread.user + thread.system) / 1000 };
  if (backendCpuMs !== undefined) out.backendCpuMs = backendCpuMs;
  return out;
}

/**
 * One timed sample, or `undefined` when its upload failed (on a heavily loaded machine `/info` or
 * an upload can time out): reported on stderr and left out of the median instead of ending the run.
 */
async function sample(workload: Workload, mode: Mode, round: number, n: number): Promise<Sample | undefined> {
  try {
    return await timed(workload, mode, round, n);
  } catch (error) {
    process.stderr.write(`skipped a sample of ${mode.name}: ${(error as Error).message}\n`);
    return undefined;
  }
}

process.stdout.write(`${machineNotes()}\n`);
for (const workload of WORKLOADS) {
  const samples = new Map<string, Sample[]>(MODES.map((m) => [m.name, []]));
  // Warm-up: every mode once, so that JIT and module loading are out of the timed rounds.
  for (const mode of MODES) await sample(workload, mode, -1, WARMUP);
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < MODES.length; i++) {
      const mode = MODES[(i + round) % MODES.length] as Mode;
      const s = await sample(workload, mode, round, RUNS);
      if (s !== undefined) samples.get(mode.name)?.push(s);
    }
  }
  const base = samples.get("tracing off") ?? [];
  const baseRuns = median(base.map((s) => s.runsMs));
  const baseTotal = median(base.map((s) => s.totalMs));
  const rows = MODES.map((mode) => {
    const s = samples.get(mode.name) ?? [];
    const runsMs = median(s.map((x) => x.runsMs));
    const totalMs = median(s.map((x) => x.totalMs));
    const cpuMs = median(s.map((x) => x.cpuMs));
    const chainCpuMs = median(s.map((x) => x.chainCpuMs));
    const backend = s.flatMap((x) => (x.backendCpuMs === undefined ? [] : [x.backendCpuMs]));
    const perRun = (ms: number): string => fmt((ms * 1000) / RUNS, 0);
    const added = (ms: number, base: number): string =>
      mode.backend ? `${ms >= base ? "+" : ""}${fmt(((ms - base) / base) * 100, 1)}%` : "—";
    return [
      mode.name,
      fmt(runsMs, 0),
      added(runsMs, baseRuns),
      fmt(totalMs, 0),
      added(totalMs, baseTotal),
      perRun(cpuMs),
      perRun(chainCpuMs),
      backend.length === 0 ? "—" : perRun(median(backend)),
      `${s.length}`,
    ];
  });
  // Each table is written as soon as its workload is done, so that a later failure loses nothing.
  process.stdout.write(
    `\n### ${workload.name}: ${RUNS} sequential runs per mode, median of ${ROUNDS} rounds\n\n${markdownTable(
      [
        "mode",
        "runs ms",
        "added",
        "runs + flush ms",
        "added",
        "CPU µs/run",
        "chain thread µs/run",
        "studio process µs/run",
        "rounds",
      ],
      rows,
    )}\n`,
  );
  process.stderr.write(`done: ${workload.name}\n`);
}
rmSync(dir, { recursive: true, force: true });
