// Shared helpers of the benchmarks: environment hygiene, statistics, machine notes, markdown tables.
import { execSync } from "node:child_process";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";

/**
 * Removes every LangChain / LangSmith variable (tracing, callbacks, API keys) from the environment,
 * so that LCEL and LangGraph run with tracing and background callbacks off. Call it before the
 * LangChain packages are imported (they read some variables at import time).
 */
export function langchainTracingOff(): string[] {
  const removed: string[] = [];
  for (const key of Object.keys(process.env)) {
    if (/^(LANGCHAIN|LANGSMITH)_/i.test(key)) {
      removed.push(key);
      delete process.env[key];
    }
  }
  process.env.LANGCHAIN_TRACING_V2 = "false";
  process.env.LANGSMITH_TRACING = "false";
  return removed;
}

/** Wall time and process CPU time (user + system, all threads) of `fn`, in milliseconds. */
export async function measure<T>(fn: () => Promise<T>): Promise<{ value: T; wallMs: number; cpuMs: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { value, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** The 1-, 5- and 15-minute load averages, to tell whether other processes shared the CPUs. */
export function loadNote(): string {
  return `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(", ")} on ${availableParallelism()} CPUs`;
}

/** The `p`th percentile (nearest rank) of ascending `sorted` values. */
export function percentile(sorted: readonly number[], p: number): number {
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN
  );
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function machineNotes(): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  let commit = "unknown";
  let dirty = "";
  try {
    const status = execSync("git status --porcelain -- packages", {
      stdio: ["ignore", "pipe", "ignore"],
    }).toString();
    if (status.trim() !== "") dirty = " + uncommitted changes under packages/";
    commit = execSync("git rev-parse --short HEAD", { stdio: ["ignore", "pipe", "ignore"] })
      .toString()
      .trim();
  } catch {
    // not a git checkout
  }
  return [
    `node ${process.version} (${process.platform}-${process.arch}), V8 ${process.versions.v8}`,
    `${availableParallelism()} CPUs available (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GiB RAM`,
    `commit ${commit}${dirty}, ${new Date().toISOString()}`,
    loadNote(),
    `flags: ${process.execArgv.join(" ") || "(none)"}`,
  ].join("\n");
}

/** A markdown table; the first column is left-aligned, the others right-aligned unless `align` says. */
export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly ("l" | "r")[] = header.map((_, i) => (i === 0 ? "l" : "r")),
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const left = (i: number): boolean => align[i] === "l";
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => (left(i) ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join(" | ")} |`;
  // Biome's markdown style: "| --- | --: |".
  const rule = `| ${widths.map((w, i) => (left(i) ? "-".repeat(w) : `${"-".repeat(w - 1)}:`)).join(" | ")} |`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

export function fmt(value: number, digits: number): string {
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Reads `--name=value` from the command line (numbers only), with a default. */
export function numberArg(name: string, fallback: number): number {
  const prefix = `--${name}=`;
  const arg = process.argv.find((a) => a.startsWith(prefix));
  if (arg === undefined) return fallback;
  const value = Number(arg.slice(prefix.length));
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${prefix}: expected a positive number, got "${arg.slice(prefix.length)}"`);
  return value;
}

/** Reads `--name=value` from the command line as a string, or undefined. */
export function stringArg(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

/**
 * Keeps the implementations whose name contains one of the comma-separated `--only=` substrings
 * (case-insensitive); all of them without `--only`. Used to profile one implementation alone.
 */
export function selected<T extends { name: string }>(all: readonly T[]): T[] {
  const only = stringArg("only");
  if (only === undefined) return [...all];
  const needles = only
    .toLowerCase()
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const kept = all.filter((impl) => needles.some((n) => impl.name.toLowerCase().includes(n)));
  if (kept.length === 0)
    throw new Error(`--only=${only} matches none of: ${all.map((i) => i.name).join("; ")}`);
  return kept;
}
