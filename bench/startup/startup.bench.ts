// Start-up cost: how many modules each entry of @catena/core loads and how long importing it takes,
// and the whole-process wall and CPU time of `catena run support-triage --no-trace`, each beside
// `node -e 0` measured in the same run. Uses the BUILT packages (dist/), as users get them: run
// `pnpm build` first.
//
//   node bench/startup/startup.bench.ts [--runs=15]
//
// Module counts and import times come from a fresh process per sample that records every module
// its loader loads (node:module registerHooks; @catena/core and the CLI load from their bundles, so
// a chunk of several modules counts once; one row loads zod and xstate from the CLI's bundles of
// them, as `catena` does) and times the `import()` itself; process figures are the
// median of `runs` spawns, alternating the commands so that drifts in machine load hit each alike,
// with each run's CPU time (user + system) when GNU time is installed (/usr/bin/time).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { fmt, loadNote, machineNotes, markdownTable, median, numberArg } from "../lib/report.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const RUNS = numberArg("runs", 15);

/** The CLI's bin: it loads zod and xstate from its bundles of them (packages/cli/dist/deps/). */
const dependencyBundles = pathToFileURL(join(root, "packages/cli/bin/dependency-bundles.js")).href;

/**
 * Imports `specifiers` in a fresh process, with zod and xstate from the CLI's bundles when
 * `bundles`; returns the modules loaded and the import's wall time.
 */
function importProbe(
  specifiers: readonly string[],
  bundles = false,
): { modules: number; foreign: number; ms: number } {
  const script = `
    import { registerHooks } from "node:module";
    ${bundles ? `(await import(${JSON.stringify(dependencyBundles)})).useDependencyBundles();` : ""}
    const urls = [];
    registerHooks({ load(url, context, next) { urls.push(url); return next(url, context); } });
    const t0 = performance.now();
    for (const s of ${JSON.stringify(specifiers)}) await import(s);
    const ms = performance.now() - t0;
    const foreign = urls.filter((u) => /langsmith|@langchain/.test(u)).length;
    process.stdout.write(JSON.stringify({ modules: urls.length, foreign, ms }));
  `;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: join(root, "packages/cli"),
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`import probe failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { modules: number; foreign: number; ms: number };
}

interface ProcessCase {
  name: string;
  args: string[];
}

/** GNU time, when installed: it reports a finished child's CPU time, which Node's spawn does not. */
const GNU_TIME = "/usr/bin/time";
const hasTime = existsSync(GNU_TIME);

/** Wall milliseconds of one spawn, from start to exit, and its CPU ms (user + system) when known. */
function spawnOnce(c: ProcessCase): { wallMs: number; cpuMs: number } {
  const [command, args] = hasTime
    ? [GNU_TIME, ["-f", "catena-bench-cpu %U %S", process.execPath, ...c.args]]
    : [process.execPath, c.args];
  const t0 = performance.now();
  const r = spawnSync(command, args, { cwd: root, encoding: "utf8" });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${c.name} exited with ${r.status}: ${r.stderr}`);
  const cpu = /catena-bench-cpu ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  return { wallMs, cpuMs: cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : Number.NaN };
}

const entries: Array<{ name: string; specifiers: string[]; bundles?: boolean }> = [
  { name: "`node -e 0` (no import)", specifiers: [] },
  { name: "`@catena/core` (engine)", specifiers: ["@catena/core"] },
  {
    name: "`@catena/core`, zod and xstate as the CLI loads them",
    specifiers: ["@catena/core"],
    bundles: true,
  },
  { name: "`@catena/core` + `/ml`", specifiers: ["@catena/core", "@catena/core/ml"] },
  { name: "`@catena/core/langchain`", specifiers: ["@catena/core/langchain"] },
  { name: "`@catena/core/tracing`", specifiers: ["@catena/core/tracing"] },
];

const importRows: string[][] = [];
for (const e of entries) {
  const samples = Array.from({ length: Math.max(3, Math.round(RUNS / 3)) }, () =>
    importProbe(e.specifiers, e.bundles),
  );
  const first = samples[0] as { modules: number; foreign: number };
  importRows.push([
    e.name,
    String(first.modules),
    String(first.foreign),
    fmt(median(samples.map((s) => s.ms)), 1),
  ]);
}

const cases: ProcessCase[] = [
  { name: "node -e 0", args: ["-e", "0"] },
  {
    name: "catena run support-triage --text … --no-trace",
    args: [
      "packages/cli/bin/catena.js",
      "run",
      "support-triage",
      "--text",
      "where is my order 12345",
      "--no-trace",
    ],
  },
];
const walls = new Map<string, number[]>(cases.map((c) => [c.name, []]));
const cpus = new Map<string, number[]>(cases.map((c) => [c.name, []]));
for (const c of cases) spawnOnce(c); // warm-up: file cache
for (let i = 0; i < RUNS; i++) {
  for (const c of cases) {
    const { wallMs, cpuMs } = spawnOnce(c);
    walls.get(c.name)?.push(wallMs);
    cpus.get(c.name)?.push(cpuMs);
  }
}
const base = median(walls.get("node -e 0") ?? []);

console.log(machineNotes());
console.log(loadNote());
console.log("\nImport of each entry (fresh process per sample, median import() time):\n");
console.log(
  markdownTable(["entry", "modules loaded", "LangChain/LangSmith modules", "import ms"], importRows),
);
console.log(`\nWhole process, median wall time of ${RUNS} runs (alternating):\n`);
console.log(
  markdownTable(
    ["command", "wall ms (median)", "min", "max", "minus node -e 0", "CPU ms (median)"],
    cases.map((c) => {
      const w = walls.get(c.name) ?? [];
      const m = median(w);
      const cpu = median(cpus.get(c.name) ?? []);
      return [
        c.name,
        fmt(m, 0),
        fmt(Math.min(...w), 0),
        fmt(Math.max(...w), 0),
        fmt(m - base, 0),
        Number.isNaN(cpu) ? "n/a" : fmt(cpu, 0),
      ];
    }),
  ),
);
