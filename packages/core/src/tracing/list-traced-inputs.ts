import { type ListTracesOptions, rootRuns } from "./list-traces.ts";
import { metadataOf, summaryOf } from "./trace-records.ts";

/** One traced chain run's input and answer, for monitoring (`catena skew`, `catena sample`). */
export interface TracedInput {
  runId: string;
  /** ISO time the run started. */
  startedAt: string;
  /** `done`, `deferred`, `error`, ... */
  status: string;
  /** The tier of the last cascade that answered. */
  tier?: string;
  /** The run's input text: `field` of its inputs, else its only string input, else its inputs as JSON. */
  text: string;
  /** The `label` of its outputs, when it answered with one. */
  label?: string;
  inputs: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  /** The chain version that ran. */
  version?: string;
  /** Wall time in milliseconds and cost in US dollars, when known. */
  ms?: number;
  costUsd?: number;
  /** The run's Catena metadata (e.g. `shadow`, `shadow_of` for shadow runs). */
  metadata: Record<string, unknown>;
}

/** Options of {@link listTracedInputs}. */
export interface ListTracedInputsOptions extends Omit<ListTracesOptions, "shortId" | "text"> {
  /** The input field holding the text (default `text`, else the only string input). */
  field?: string;
}

/**
 * The inputs and answers of recent chain runs, newest first, read through the SDK from LangSmith or
 * the studio (default limit 10,000). Runs still pending are left out: they have no answer yet.
 *
 * @example
 * const recent = await listTracedInputs({ chain: "banking-intents", since: new Date(Date.now() - 86_400_000) });
 */
export async function listTracedInputs(options: ListTracedInputsOptions = {}): Promise<TracedInput[]> {
  const runs = await rootRuns({ limit: 10_000, ...options });
  const out: TracedInput[] = [];
  for (const run of runs) {
    const summary = summaryOf(run, {});
    if (summary.status === "pending") continue;
    const inputs = run.inputs ?? {};
    const outputs = run.outputs ?? undefined;
    const label = outputs?.label;
    out.push({
      runId: run.id,
      startedAt: summary.startedAt,
      status: summary.status,
      ...(summary.tier === undefined ? {} : { tier: summary.tier }),
      text: textOf(inputs, options.field),
      ...(typeof label === "string" ? { label } : {}),
      inputs,
      ...(outputs === undefined ? {} : { outputs }),
      ...(summary.version === undefined ? {} : { version: summary.version }),
      ...(summary.ms === undefined ? {} : { ms: summary.ms }),
      ...(summary.costUsd === undefined ? {} : { costUsd: summary.costUsd }),
      metadata: metadataOf(run),
    });
  }
  return out;
}

function textOf(inputs: Record<string, unknown>, field: string | undefined): string {
  const named = inputs[field ?? "text"];
  if (typeof named === "string") return named;
  const strings = Object.values(inputs).filter((v): v is string => typeof v === "string");
  return strings.length === 1 ? (strings[0] as string) : JSON.stringify(inputs);
}
