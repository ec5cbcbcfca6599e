import { firstTokenTimeOf } from "./first-token-time.ts";
import type { RunFields, RunOperation } from "./run-fields.ts";

/** A run as the store keeps it: every column, JSON columns parsed. */
export interface StoredRun {
  id: string;
  trace_id: string | null;
  dotted_order: string | null;
  parent_run_id: string | null;
  session_id: string | null;
  name: string | null;
  run_type: string | null;
  start_time: string | null;
  end_time: string | null;
  error: string | null;
  inputs: unknown;
  outputs: unknown;
  extra: Record<string, unknown> | null;
  events: unknown;
  serialized: unknown;
  tags: string[] | null;
  reference_example_id: string | null;
  first_token_time: string | null;
  has_post: boolean;
  has_patch: boolean;
}

const mergedKeys = [
  "trace_id",
  "dotted_order",
  "parent_run_id",
  "name",
  "run_type",
  "start_time",
  "end_time",
  "error",
  "inputs",
  "outputs",
  "events",
  "serialized",
  "tags",
  "reference_example_id",
  "first_token_time",
] as const satisfies readonly (keyof RunFields & keyof StoredRun)[];

/**
 * Applies one create or update to what is stored of a run (nothing, a create, an update, or both).
 * Updates win over creates whatever their arrival order: a create that comes after an update only
 * fills the fields the update left empty, so a late or re-sent create never rolls back an end time,
 * outputs or an error. A repeated create replaces the previous one (the same run posted twice is
 * one run). `extra` is merged key by key, and so is `extra.metadata`. A run that sends no
 * `first_token_time` gets the time of its first `new_token` event. A field listed in
 * `droppedFields` (a marker for a part too large to keep) is written only where nothing is stored.
 */
export function mergeRun(existing: StoredRun | undefined, op: RunOperation): StoredRun {
  const base: StoredRun = existing ?? emptyRun(op.run.id);
  const incomingWins = !(op.kind === "post" && base.has_patch);
  const next: StoredRun = { ...base };
  const target = next as unknown as Record<string, unknown>;
  for (const key of mergedKeys) {
    const value = op.run[key];
    if (value === undefined) continue;
    // A marker for a dropped part only fills a gap: it never replaces what an earlier create or
    // update stored in full.
    if (op.droppedFields?.includes(key) && base[key] !== null && base[key] !== undefined) continue;
    // The create's start time is the run's own; an update only repeats it (or it was made up
    // because the update came first without one).
    const createOwns = key === "start_time" && op.kind === "post";
    if (incomingWins || createOwns || base[key] === null || base[key] === undefined) target[key] = value;
  }
  if (op.run.extra !== undefined && op.run.extra !== null) {
    next.extra =
      incomingWins || base.extra === null
        ? mergeExtra(base.extra, op.run.extra)
        : mergeExtra(op.run.extra, base.extra);
  }
  next.first_token_time ??= firstTokenTimeOf(next.events);
  if (op.kind === "post") next.has_post = true;
  else next.has_patch = true;
  return next;
}

/** The status LangSmith shows: `error` if the run recorded one, `success` once ended, else `pending`. */
export function runStatus(run: Pick<StoredRun, "error" | "end_time">): "error" | "success" | "pending" {
  if (run.error !== null && run.error !== "") return "error";
  return run.end_time === null ? "pending" : "success";
}

/**
 * The start time a dotted order states for its run (its last segment), in the studio's timestamp
 * form; `null` when there is no dotted order or its last segment is not `YYYYMMDDTHHMMSSffffffZ<id>`.
 *
 * @example
 * startOfDottedOrder("20260301T100000000001Zb6…") // "2026-03-01T10:00:00.000001Z"
 */
export function startOfDottedOrder(dottedOrder: string | null): string | null {
  const last = dottedOrder?.split(".").at(-1);
  const m = last === undefined ? null : /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)(\d{6})Z/.exec(last);
  if (m === null) return null;
  const iso = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z`;
  return Number.isNaN(Date.parse(iso)) ? null : iso;
}

/** The dotted-order segment of a run: its start time as `YYYYMMDDTHHMMSSffffffZ` followed by its id. */
export function dottedOrderSegment(startTime: string, id: string): string {
  return `${startTime.replace(/[-:.]/g, "")}${id}`;
}

function mergeExtra(
  low: Record<string, unknown> | null,
  high: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...low, ...high };
  const lowMeta = low?.metadata;
  const highMeta = high.metadata;
  if (isRecord(lowMeta) && isRecord(highMeta)) merged.metadata = { ...lowMeta, ...highMeta };
  return merged;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function emptyRun(id: string): StoredRun {
  return {
    id,
    trace_id: null,
    dotted_order: null,
    parent_run_id: null,
    session_id: null,
    name: null,
    run_type: null,
    start_time: null,
    end_time: null,
    error: null,
    inputs: null,
    outputs: null,
    extra: null,
    events: null,
    serialized: null,
    tags: null,
    reference_example_id: null,
    first_token_time: null,
    has_post: false,
    has_patch: false,
  };
}
