import { assertDottedOrder, InvalidDottedOrderError } from "../http/invalid-dotted-order-error.ts";
import { assertJsonDepth, JsonTooDeepError, MAX_JSON_DEPTH } from "../http/json-depth.ts";
import { StudioHttpError } from "../http/studio-http-error.ts";
import { agentProjectOfAddress } from "./agent-address.ts";
import { toStudioTimestamp } from "./studio-timestamp.ts";

/** The run types LangSmith accepts. */
export const RUN_TYPES = ["chain", "llm", "tool", "retriever", "embedding", "prompt", "parser"] as const;

/** A run create (`post`) or update (`patch`) as the SDK sends it, checked and normalised. */
export interface RunFields {
  id: string;
  name?: string;
  run_type?: string;
  trace_id?: string;
  dotted_order?: string;
  parent_run_id?: string | null;
  session_id?: string;
  session_name?: string;
  start_time?: string;
  end_time?: string | null;
  error?: string | null;
  inputs?: unknown;
  outputs?: unknown;
  extra?: Record<string, unknown> | null;
  events?: unknown;
  serialized?: unknown;
  tags?: string[] | null;
  reference_example_id?: string | null;
  first_token_time?: string | null;
}

/** One ingestion operation: the create or the update of a run. */
export interface RunOperation {
  kind: "post" | "patch";
  run: RunFields;
  /**
   * Fields of `run` that hold a marker for a part dropped for its size (read-multipart-ingest.ts):
   * written only where the run has nothing stored yet, so a marker never replaces a real value.
   */
  droppedFields?: readonly string[];
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a UUID in its canonical text form. */
export function isUuid(value: unknown): value is string {
  return typeof value === "string" && uuidPattern.test(value);
}

/**
 * Checks a run JSON object (from `/runs/multipart`, `/runs/batch`, `/runs` or `PATCH /runs/{id}`)
 * and normalises its timestamps. A create needs `name` and `run_type`; either needs a UUID `id`.
 * An agent `address` with no project names the run's project (agent-address.ts); a top-level
 * `metadata` object (a replica's `updates`) is merged into `extra.metadata`; other unknown
 * keys (`child_runs`, ...) are ignored. A JSON field nested deeper than
 * {@link MAX_JSON_DEPTH} throws `JsonTooDeepError`, a malformed `dotted_order` (or one whose root
 * or parent is not the `trace_id` or `parent_run_id` sent with it) throws `InvalidDottedOrderError`
 * (422s carrying the run id), which batch routes use to refuse that run alone (see
 * {@link refusedRunId}).
 *
 * @param where names the request part or array item in error messages.
 */
export function toRunFields(kind: "post" | "patch", body: unknown, where: string): RunFields {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw unprocessable(`${where} must be a JSON object with the run's fields (id, name, run_type, ...).`);
  }
  const raw = body as Record<string, unknown>;
  if (!isUuid(raw.id)) {
    throw unprocessable(
      `${where}: "id" must be a UUID (got ${JSON.stringify(raw.id)}); the SDK sets it for you.`,
    );
  }
  const run: RunFields = { id: raw.id.toLowerCase() };
  for (const key of ["inputs", "outputs", "extra", "metadata", "events", "serialized", "error"] as const) {
    assertJsonDepth(raw[key], `${where}: "${key}" of run ${run.id}`, MAX_JSON_DEPTH, run.id);
  }
  const text = (key: keyof RunFields & string): string | undefined => {
    const value = raw[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") throw unprocessable(`${where}: "${key}" must be a string.`);
    return value;
  };
  const uuid = (key: keyof RunFields & string): string | undefined => {
    const value = raw[key];
    if (value === undefined || value === null) return undefined;
    if (!isUuid(value))
      throw unprocessable(`${where}: "${key}" must be a UUID (got ${JSON.stringify(value)}).`);
    return value.toLowerCase();
  };
  const name = text("name");
  if (name !== undefined) run.name = name;
  const runType = text("run_type");
  if (runType !== undefined) {
    if (!(RUN_TYPES as readonly string[]).includes(runType)) {
      throw unprocessable(
        `${where}: "run_type" ${JSON.stringify(runType)} is not one of ${RUN_TYPES.join(", ")}.`,
      );
    }
    run.run_type = runType;
  }
  if (kind === "post" && (run.name === undefined || run.run_type === undefined)) {
    throw unprocessable(
      `${where}: a run create needs "name" and "run_type" (one of ${RUN_TYPES.join(", ")}); send them with the run's first post.`,
    );
  }
  const traceId = uuid("trace_id");
  if (traceId !== undefined) run.trace_id = traceId;
  if (raw.parent_run_id !== undefined) run.parent_run_id = uuid("parent_run_id") ?? null;
  const dotted = text("dotted_order");
  if (dotted !== undefined) {
    assertDottedOrder(dotted, run.id, where, { traceId, parentRunId: run.parent_run_id });
    run.dotted_order = dotted;
  }
  const sessionId = uuid("session_id");
  if (sessionId !== undefined) run.session_id = sessionId;
  const sessionName = text("session_name");
  if (sessionName !== undefined) run.session_name = sessionName;
  // A run sent to an agent address names no project: it goes to the address's (agent-address.ts).
  if (sessionId === undefined && sessionName === undefined) {
    const addressed = agentProjectOfAddress(raw.address);
    if (addressed !== undefined) run.session_name = addressed;
  }
  const start = toStudioTimestamp(raw.start_time, `${where}: start_time`);
  if (start !== null) run.start_time = start;
  if (raw.end_time !== undefined) run.end_time = toStudioTimestamp(raw.end_time, `${where}: end_time`);
  if (raw.first_token_time !== undefined) {
    run.first_token_time = toStudioTimestamp(raw.first_token_time, `${where}: first_token_time`);
  }
  if (raw.error !== undefined) run.error = raw.error === null ? null : errorText(raw.error);
  for (const key of ["inputs", "outputs", "events", "serialized"] as const) {
    if (raw[key] !== undefined) run[key] = raw[key];
  }
  if (raw.extra !== undefined) {
    if (raw.extra !== null && (typeof raw.extra !== "object" || Array.isArray(raw.extra))) {
      throw unprocessable(`${where}: "extra" must be an object (e.g. {"metadata": {...}}).`);
    }
    run.extra = raw.extra as Record<string, unknown> | null;
  }
  if (raw.metadata !== undefined && raw.metadata !== null) {
    if (typeof raw.metadata !== "object" || Array.isArray(raw.metadata)) {
      throw unprocessable(`${where}: "metadata" must be an object (e.g. {"tenant": "a"}).`);
    }
    // A replica's `updates: { metadata }` (RunTree replicas) reaches the run as a top-level
    // `metadata` beside `extra`: it is the run's metadata, so it joins `extra.metadata` and wins.
    const extra = run.extra ?? {};
    const own = extra.metadata;
    const base = typeof own === "object" && own !== null && !Array.isArray(own) ? own : {};
    run.extra = { ...extra, metadata: { ...base, ...(raw.metadata as Record<string, unknown>) } };
  }
  if (raw.tags !== undefined) {
    if (raw.tags !== null && (!Array.isArray(raw.tags) || raw.tags.some((t) => typeof t !== "string"))) {
      throw unprocessable(`${where}: "tags" must be an array of strings.`);
    }
    run.tags = raw.tags as string[] | null;
  }
  if (raw.reference_example_id !== undefined) {
    run.reference_example_id = uuid("reference_example_id") ?? null;
  }
  return run;
}

function errorText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function unprocessable(detail: string): StudioHttpError {
  return new StudioHttpError(422, detail);
}

/**
 * The run a batch route refuses alone, storing the rest of its request: the id carried by a
 * `JsonTooDeepError` or an `InvalidDottedOrderError`; `undefined` for any other error, which fails
 * the whole request.
 */
export function refusedRunId(error: unknown): string | undefined {
  if (error instanceof JsonTooDeepError || error instanceof InvalidDottedOrderError) return error.runId;
  return undefined;
}
