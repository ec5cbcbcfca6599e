// Fingerprinting cost per chain: the source of every function a chain's fingerprint hashes (code
// steps and their deps, branch guards, cascade accepts, ...) read and normalised by functionSource,
// and defineChain rebuilt from the chain's own flow (flow spec, schemas, machine, hash; function
// sources come from functionSource's per-function cache there, where it has one).
//
//   node --conditions=@catena/source bench/fingerprint/fingerprint.bench.ts [--rounds=200]
//
// BENCH_SOURCE_MODULE=<path relative to this file> times another function-source implementation on
// the same functions, e.g. the token-based one before the syntax-tree version:
//   git show f387a1b:packages/core/src/steps/function-source.ts > packages/core/src/steps/function-source-before.ts
//   BENCH_SOURCE_MODULE=../../packages/core/src/steps/function-source-before.ts node --conditions=@catena/source bench/fingerprint/fingerprint.bench.ts
//
// Per chain: the median of `rounds` rounds, after one warm-up round. Apart: the first call of
// functionSource in a fresh process (module load and parser not yet compiled by V8), which a CLI
// run pays once, and the wall time of loading the chain modules.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { fmt, machineNotes, markdownTable, median, numberArg } from "../lib/report.ts";

const ROUNDS = numberArg("rounds", 200);

// Record which functions each chain's definition hashes: functionSource reads them through
// Function.prototype.toString, so a wrapper sees every one while the chain modules load.
type AnyFunction = (...args: never[]) => unknown;
const original = Function.prototype.toString;
let current = new Set<AnyFunction>();
Function.prototype.toString = function (this: AnyFunction): string {
  current.add(this);
  return original.call(this);
};
const modules: Record<string, string> = {
  "support-triage": "../../packages/chains/src/support-triage/chain.ts",
  "sql-qa": "../../packages/chains/src/sql-qa/chain.ts",
  "banking-intents": "../../packages/chains/src/banking-intents/chain.ts",
  "reply-by-language (example)": "../../examples/branch-chain.ts",
  "feedback-sentiment (example)": "../../examples/cascade-chain.ts",
};
interface Loaded {
  name: string;
  fns: AnyFunction[];
  chain: { name: string; version: string; input: unknown; output: unknown; flow: unknown };
}
const loaded: Loaded[] = [];
const t0 = performance.now();
for (const [name, path] of Object.entries(modules)) {
  current = new Set();
  const mod = (await import(path)) as Record<string, unknown>;
  const chain = Object.values(mod).find(
    (v): v is Loaded["chain"] => typeof v === "object" && v !== null && "fingerprint" in v && "flow" in v,
  );
  if (!chain) throw new Error(`no chain exported by ${path}`);
  loaded.push({ name, fns: [...current], chain });
}
const loadMs = performance.now() - t0;
Function.prototype.toString = original;

// readFunction parses afresh every time; functionSource caches per function since the syntax-tree
// version (before it, functionSource was the only entry and did not cache).
const sourceModule = (await import(
  process.env.BENCH_SOURCE_MODULE ?? "../../packages/core/src/versioning/function-source.ts"
)) as {
  functionSource: (fn: AnyFunction) => string;
  readFunction?: (fn: AnyFunction) => unknown;
};
const uncached = sourceModule.readFunction ?? sourceModule.functionSource;
const { defineChain } = await import("@catena/core");

const rows: string[][] = [];
for (const { name, fns, chain } of loaded) {
  const sourceMs: number[] = [];
  const defineMs: number[] = [];
  for (let round = 0; round <= ROUNDS; round++) {
    const a = performance.now();
    for (const fn of fns) uncached(fn);
    const b = performance.now();
    defineChain(chain as Parameters<typeof defineChain>[0]);
    const c = performance.now();
    sourceMs.push(b - a);
    defineMs.push(c - b);
  }
  const chars = fns.reduce((n, fn) => n + original.call(fn).length, 0);
  rows.push([
    name,
    String(fns.length),
    String(chars),
    fmt(median(sourceMs.slice(1)), 3),
    fmt(median(defineMs.slice(1)), 3),
  ]);
}
// A fresh process: import function-source.ts, then time its first call and its first module load.
const firstCall = JSON.parse(
  execFileSync(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `const t0 = performance.now();
       const { functionSource } = await import(${JSON.stringify(fileURLToPath(new URL(process.env.BENCH_SOURCE_MODULE ?? "../../packages/core/src/versioning/function-source.ts", import.meta.url)))});
       const t1 = performance.now();
       functionSource((d) => ({ language: d.language.label ?? "en", reply: d.text }));
       const t2 = performance.now();
       console.log(JSON.stringify({ importMs: t1 - t0, firstCallMs: t2 - t1 }));`,
    ],
    { encoding: "utf8" },
  ),
) as { importMs: number; firstCallMs: number };

console.log(machineNotes());
console.log(
  `fresh process: import function-source.ts ${fmt(firstCall.importMs, 1)} ms, first call ${fmt(firstCall.firstCallMs, 2)} ms`,
);
console.log(`chain modules loaded in ${fmt(loadMs, 0)} ms; ${ROUNDS} warm rounds\n`);
console.log(
  markdownTable(["chain", "functions", "source chars", "functionSource ms (all)", "defineChain ms"], rows),
);
