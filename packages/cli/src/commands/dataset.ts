import { resolve } from "node:path";
import {
  type Dataset,
  DatasetNotFoundError,
  datasetContentHash,
  datasetFromTraces,
  datasetJsonl,
  listDatasets,
  type PushDatasetResult,
  pullDataset,
  pushDataset,
  readDatasetFile,
} from "@catena/core/datasets";
import type { Command } from "commander";
import { loadChains } from "../chains/load-chains.ts";
import { CliError } from "../cli-error.ts";
import type { CommandContext } from "../command-context.ts";
import { displayPath } from "../format/display-path.ts";
import { jsonText } from "../format/json-text.ts";
import { plural } from "../format/plural.ts";
import { table } from "../format/table.ts";
import { globalOptions } from "../global-options.ts";
import { parseSince } from "../tracing/parse-since.ts";
import { traceProjects } from "../tracing/trace-projects.ts";
import { openTraceReader, type TraceReader } from "../tracing/trace-reader.ts";
import { assertTraced, tracedChain } from "../tracing/traced-chain.ts";
import { assertWritablePath } from "../writable-path.ts";

interface PushOptions {
  name?: string;
  inputFields?: string;
  outputFields?: string;
  chain?: string;
}

interface AddOptions {
  fromTraces: string;
  project?: string;
  since?: string;
  split?: string[];
  limit: string;
  includeErrors?: boolean;
}

/**
 * Registers `catena dataset push|pull|list|add`: datasets synced by content hash with the trace
 * backend (LangSmith when `LANGSMITH_API_KEY` is set, else the studio), and built from traced runs
 * with their feedback corrections as reference outputs.
 */
export function registerDatasetCommand(program: Command, ctx: CommandContext): void {
  const dataset = program
    .command("dataset")
    .description("sync datasets (JSONL/CSV) with LangSmith or the studio; build them from traces");

  dataset
    .command("push <file>")
    .description("create or sync a dataset from a .jsonl or .csv file (only what changed is written)")
    .option("--name <name>", "the dataset's name (default: the file name without extension)")
    .option("--input-fields <a,b>", "fields of flat records that are the chain's input")
    .option("--output-fields <x,y>", "fields of flat records that are the reference output")
    .option("--chain <name>", "take input and output fields from this chain's schemas")
    .action(async (file: string, options: PushOptions, command: Command) => {
      const globals = globalOptions(command);
      const path = resolve(ctx.io.cwd, file);
      const chain =
        options.chain === undefined
          ? undefined
          : (await loadChains({ cwd: ctx.io.cwd, modules: globals.chains })).registry.get(options.chain);
      const data = readDatasetFile(path, {
        shownAs: displayPath(ctx.io.cwd, path),
        ...(options.name === undefined ? {} : { name: options.name }),
        ...(options.inputFields === undefined ? {} : { inputFields: fieldList(options.inputFields) }),
        ...(options.outputFields === undefined ? {} : { outputFields: fieldList(options.outputFields) }),
        ...(chain === undefined ? {} : { chain }),
      });
      await withBackend(async (reader) => {
        const result = await pushDataset(reader.client.client, data);
        ctx.io.out(globals.json ? jsonText(pushJson(data, result)) : pushText(data, result, reader.where));
      });
    });

  dataset
    .command("pull <name>")
    .description("download a dataset (name or name@tag) as JSONL, to stdout or --out")
    .option("--out <file>", "write the JSONL here instead of stdout")
    .action(async (name: string, options: { out?: string }, command: Command) => {
      const globals = globalOptions(command);
      const out = options.out === undefined ? undefined : resolve(ctx.io.cwd, options.out);
      // Refused before the pull, like every --out: not after the examples were fetched.
      if (out !== undefined)
        assertWritablePath(out, { option: "--out", shown: options.out ?? out, kind: "file" });
      await withBackend(async (reader) => {
        const data = await pullDataset(reader.client.client, name, out).catch((error: unknown) => {
          throw inBackendTerms(error, reader);
        });
        if (out === undefined) {
          ctx.io.out(datasetJsonl(data));
        } else if (globals.json) {
          ctx.io.out(jsonText(summaryJson(data, { file: out })));
        } else {
          ctx.io.out(
            `Pulled ${data.name} (${plural(data.examples.length, "example")}, content ${data.contentHash}) from ${reader.where} into ${displayPath(ctx.io.cwd, out)}.\n`,
          );
        }
      });
    });

  dataset
    .command("list")
    .description("list the datasets on LangSmith or the studio")
    .action(async (_options: object, command: Command) => {
      const globals = globalOptions(command);
      await withBackend(async (reader) => {
        const datasets = await listDatasets(reader.client.client);
        if (globals.json) ctx.io.out(jsonText(datasets));
        else if (datasets.length === 0)
          ctx.io.out(`No datasets in ${reader.where}; catena dataset push <file> creates one.\n`);
        else
          ctx.io.out(
            table([
              ["NAME", "EXAMPLES", "CONTENT", "MODIFIED"],
              ...datasets.map((d) => [
                d.name,
                String(d.exampleCount ?? "-"),
                d.contentHash ?? "-",
                d.modifiedAt?.slice(0, 19).replace("T", " ") ?? "-",
              ]),
            ]),
          );
      });
    });

  dataset
    .command("add <name>")
    .description("add traced runs to a dataset: inputs, outputs, feedback corrections as reference outputs")
    .requiredOption(
      "--from-traces <filter>",
      "a chain name, or a LangSmith filter over root runs, e.g. 'eq(name, \"support-triage\")'",
    )
    .option(
      "--project <name>",
      "trace project (default: the chain's project, else LANGSMITH_PROJECT or default)",
    )
    .option("--since <span|date>", "only runs started since: 30m, 1h, 7d, 2w, or a date (2026-05-01)")
    .option(
      "--split <name>",
      "put the new examples in this split (repeatable)",
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option("--limit <n>", "at most this many runs, newest first", "1000")
    .option("--include-errors", "also add runs that ended in an error")
    .action(async (name: string, options: AddOptions, command: Command) => {
      const globals = globalOptions(command);
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1) {
        throw new CliError(`--limit must be a positive integer (got "${options.limit}").`);
      }
      const since = options.since === undefined ? undefined : parseSince(options.since);
      const filter = options.fromTraces.trim();
      const chain = /^[\w.-]+$/.test(filter) ? filter : undefined;
      const { registry } = await loadChains({ cwd: ctx.io.cwd, modules: globals.chains });
      // A chain no loaded chain is named, with no --project to read it from, is most likely a typo:
      // refused as `skew` and `sample` refuse it. With --project, a retired chain's runs are read.
      const retired = chain === undefined ? undefined : tracedChain(registry, chain, options.project);
      const project = traceProjects(registry, chain, options.project);
      await withBackend(async (reader) => {
        const client = reader.client.client;
        const traced = await datasetFromTraces(client, {
          name,
          project,
          limit,
          ...(chain === undefined ? { filter } : { chain }),
          ...(since === undefined ? {} : { since }),
          ...(options.split === undefined ? {} : { splits: options.split }),
          ...(options.includeErrors === true ? { includeErrors: true } : {}),
        });
        // A chain that is not loaded and has no runs in --project either is a typo (or the wrong
        // project), refused with exit code 2 as `skew` and `sample` refuse it, not "unchanged".
        if (retired !== undefined) {
          const found = traced.examples.length + traced.skipped > 0 ? [{}] : [];
          assertTraced(registry, retired, found, { projects: project, ...(since ? { since } : {}) });
        }
        if (traced.examples.length === 0) {
          // Nothing to add: an empty dataset would only be clutter.
          ctx.io.out(
            globals.json
              ? jsonText({ name, status: "unchanged", runs: 0, corrected: 0, skipped: traced.skipped })
              : `No traced runs match ${chain === undefined ? filter : `chain ${chain}`} in project ${project.join(", ")}${since ? ` since ${since.toISOString()}` : ""} on ${reader.where}${traced.skipped > 0 ? ` (${traced.skipped} errored or unfinished skipped; --include-errors adds errored ones)` : ""}: dataset ${name} is unchanged.\n`,
          );
          return;
        }
        const existing = await pullExisting(client, name);
        const merged = mergeTraced(existing, traced.examples, name);
        const result = await pushDataset(client, merged);
        if (globals.json) {
          ctx.io.out(
            jsonText({
              ...pushJson(merged, result),
              runs: traced.examples.length,
              corrected: traced.corrected,
              skipped: traced.skipped,
            }),
          );
        } else {
          ctx.io.out(
            `${plural(traced.examples.length, "traced run")} (${traced.corrected} with a correction${traced.skipped > 0 ? `, ${traced.skipped} errored or unfinished skipped` : ""}) from project ${project.join(", ")}.\n${pushText(merged, result, reader.where)}`,
          );
        }
      });
    });
}

/** Runs `body` with a client on the trace backend, closing it (and a local studio) after. */
async function withBackend(body: (reader: TraceReader) => Promise<void>): Promise<void> {
  const reader = await openTraceReader();
  try {
    await body(reader);
  } finally {
    await reader.close();
  }
}

/**
 * A "no such dataset" that names the backend as the user knows it: the local studio runs on a port
 * of this process only, which means nothing once the command ended.
 */
function inBackendTerms(error: unknown, reader: TraceReader): unknown {
  if (!(error instanceof DatasetNotFoundError)) return error;
  const url = error.details?.url;
  if (typeof url !== "string" || !reader.where.startsWith("the local studio")) return error;
  // The same error, details kept for --json (name, asOf), its port swapped for the database.
  const { url: _port, ...details } = error.details;
  // Its own cause, not itself: itself names the port again.
  return new DatasetNotFoundError(error.message.replaceAll(url, reader.where), {
    ...(error.cause === undefined ? {} : { cause: error.cause }),
    details: { ...details, backend: reader.where },
  });
}

function fieldList(text: string): string[] {
  return text
    .split(",")
    .map((f) => f.trim())
    .filter((f) => f !== "");
}

/** The dataset as it is on the backend, or undefined when there is none of that name yet. */
async function pullExisting(
  client: TraceReader["client"]["client"],
  name: string,
): Promise<Dataset | undefined> {
  try {
    return await pullDataset(client, name);
  } catch (error) {
    if (error instanceof DatasetNotFoundError) return undefined;
    throw error;
  }
}

/**
 * The existing examples plus those from traces: a run already in the dataset (same
 * `metadata.source_run_id`) replaces its example in place, keeping its id, splits and other
 * metadata, so adding the same runs again only brings in new corrections.
 */
function mergeTraced(existing: Dataset | undefined, traced: Dataset["examples"], name: string): Dataset {
  const byRun = new Map(traced.map((e) => [e.metadata?.source_run_id, e]));
  const examples = (existing?.examples ?? []).map((e) => {
    const fresh = byRun.get(e.metadata?.source_run_id);
    if (fresh === undefined) return e;
    byRun.delete(e.metadata?.source_run_id);
    const splits = [...new Set([...(e.splits ?? []), ...(fresh.splits ?? [])])];
    return {
      ...fresh,
      id: e.id,
      metadata: { ...e.metadata, ...fresh.metadata },
      ...(splits.length === 0 ? {} : { splits }),
    };
  });
  const all = [...examples, ...byRun.values()];
  return { name, examples: all, contentHash: datasetContentHash(all) };
}

function pushText(data: Dataset, result: PushDatasetResult, where: string): string {
  const what =
    result.status === "unchanged"
      ? "unchanged"
      : `${result.status}: ${result.added} added, ${result.updated} updated, ${result.removed} removed, ${result.unchanged} unchanged`;
  return `Dataset ${data.name} (${plural(data.examples.length, "example")}, content ${data.contentHash}) in ${where}: ${what}.\n`;
}

function pushJson(data: Dataset, result: PushDatasetResult): object {
  return {
    ...summaryJson(data, {}),
    status: result.status,
    datasetId: result.datasetId,
    added: result.added,
    updated: result.updated,
    removed: result.removed,
    unchanged: result.unchanged,
    exampleIds: Object.fromEntries(result.exampleIds),
  };
}

function summaryJson(data: Dataset, extra: object): object {
  return { name: data.name, examples: data.examples.length, contentHash: data.contentHash, ...extra };
}
