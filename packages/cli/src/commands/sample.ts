import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { dailySeed, stratifiedSample } from "@catena/core/ml";
import { addToAnnotationQueue, listTracedInputs, type TracedInput } from "@catena/core/tracing";
import { type Command, Option } from "commander";
import { loadChains } from "../chains/load-chains.ts";
import { CliError } from "../cli-error.ts";
import type { CommandContext } from "../command-context.ts";
import { displayPath } from "../format/display-path.ts";
import { jsonText } from "../format/json-text.ts";
import { plural } from "../format/plural.ts";
import { globalOptions } from "../global-options.ts";
import { parseSince } from "../tracing/parse-since.ts";
import { traceProjects } from "../tracing/trace-projects.ts";
import { openTraceReader } from "../tracing/trace-reader.ts";
import { assertTraced, ofVersion, servedRuns, tracedChain } from "../tracing/traced-chain.ts";
import { assertWritablePath } from "../writable-path.ts";

interface SampleOptions {
  n: string;
  stratify: "tier" | "label" | "status";
  since: string;
  project?: string;
  out?: string;
  queue?: string;
  seed?: string;
}

const STRATA: Record<SampleOptions["stratify"], (r: TracedInput) => string> = {
  tier: (r) => r.tier ?? "(none)",
  label: (r) => r.label ?? "(none)",
  status: (r) => r.status,
};

/**
 * Registers `catena sample <chain> [--n 20] [--stratify tier] [--since 24h] [--out file]`: today's
 * traced runs for people to look at, stratified (rare tiers get their turn) and seeded by the date,
 * so the sample is the same all day. They go to `--out` when given, else to the studio's annotation
 * queue, else — when the backend has no queues — to a file named after the chain and the day.
 */
export function registerSampleCommand(program: Command, ctx: CommandContext): void {
  program
    .command("sample")
    .description("pick today's traced runs to review, stratified; to the annotation queue or a file")
    .argument("<chain>", "the chain whose traced runs to sample (name@version: that version's only)")
    .option("--n <count>", "how many runs", "20")
    .addOption(
      new Option("--stratify <by>", "take turns between these groups")
        .choices(["tier", "label", "status"])
        .default("tier"),
    )
    .option("--since <span|date>", "runs started since: 30m, 24h, 7d, or a date", "24h")
    .option("--project <name>", "trace project (default: the chain's project, else LANGSMITH_PROJECT)")
    .option("--out <file>", "write the sample here as JSONL (instead of the annotation queue)")
    .option("--queue <name>", "annotation queue name (default: <chain> review)")
    .option("--seed <text>", "seed instead of today's date (the same seed gives the same sample)")
    .action(async (chain: string, options: SampleOptions, command: Command) => {
      const globals = globalOptions(command);
      const n = Number(options.n);
      if (!Number.isInteger(n) || n < 1)
        throw new CliError(`--n must be a positive integer (got "${options.n}").`);
      const since = parseSince(options.since);
      const today = new Date().toISOString().slice(0, 10);
      const { registry } = await loadChains({ cwd: ctx.io.cwd, modules: globals.chains });
      const traced = tracedChain(registry, chain, options.project);
      const projects = traceProjects(registry, traced.name, options.project);
      const reader = await openTraceReader();
      try {
        const read = await listTracedInputs({
          client: reader.client,
          project: projects,
          chain: traced.name,
          since,
        });
        assertTraced(registry, traced, read, { projects, since });
        const runs = servedRuns(ofVersion(read, traced));
        // Oldest first, so that runs arriving later in the day do not reshuffle the earlier picks' order.
        runs.sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.runId.localeCompare(b.runId));
        if (runs.length === 0) {
          // Nothing to look at: no queue is created and no file written.
          ctx.io.out(
            globals.json
              ? jsonText({ status: "no-runs", chain, since: since.toISOString() })
              : `No traced runs of ${chain} in ${reader.where} since ${since.toISOString()}: nothing to sample.\n`,
          );
          return;
        }
        const seed = dailySeed(
          `${chain}:${options.seed ?? ""}`,
          options.seed === undefined ? new Date() : new Date(0),
        );
        const picked = stratifiedSample(runs, { n, stratumOf: STRATA[options.stratify], seed });
        const rows = picked.map(({ item, stratum }) => ({
          runId: item.runId,
          startedAt: item.startedAt,
          [options.stratify]: stratum,
          text: item.text,
          ...(item.label === undefined ? {} : { label: item.label }),
          ...(item.tier === undefined ? {} : { tier: item.tier }),
          status: item.status,
        }));
        let destination:
          | { kind: "queue"; queue: string; queueId: string }
          | { kind: "file"; path: string; note?: string };
        const writeTo = (path: string) => {
          assertWritablePath(path, { option: "--out", shown: displayPath(ctx.io.cwd, path), kind: "file" });
          writeFileSync(path, rows.map((r) => `${JSON.stringify(r)}\n`).join(""));
        };
        if (options.out !== undefined) {
          const path = resolve(ctx.io.cwd, options.out);
          writeTo(path);
          destination = { kind: "file", path };
        } else {
          const queue = options.queue ?? `${traced.name} review`;
          const result = await addToAnnotationQueue(
            reader.client,
            queue,
            rows.map((r) => r.runId),
            `Runs of ${chain} sampled by catena sample, stratified by ${options.stratify}`,
          );
          if (result.status === "queued") destination = { kind: "queue", queue, queueId: result.queueId };
          else {
            const path = resolve(ctx.io.cwd, `${chain}-sample-${today}.jsonl`);
            writeTo(path);
            destination = { kind: "file", path, note: `${reader.where} has no annotation queues` };
          }
        }
        if (globals.json) {
          ctx.io.out(jsonText({ status: "sampled", chain, runs: runs.length, destination, sample: rows }));
          return;
        }
        const counts = new Map<string, number>();
        for (const p of picked) counts.set(p.stratum, (counts.get(p.stratum) ?? 0) + 1);
        const mix = [...counts].map(([k, c]) => `${c} ${k}`).join(", ");
        const where =
          destination.kind === "queue"
            ? `to the annotation queue "${destination.queue}" in ${reader.where}`
            : `to ${displayPath(ctx.io.cwd, destination.path)}${destination.note === undefined ? "" : ` (${destination.note})`}`;
        ctx.io.out(
          `Sampled ${picked.length} of ${plural(runs.length, "run")} of ${chain} by ${options.stratify} (${mix}) ${where}.\n`,
        );
      } finally {
        await reader.close();
      }
    });
}
