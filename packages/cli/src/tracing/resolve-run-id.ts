import { CatenaError } from "@catena/core";
import { listTraces } from "@catena/core/tracing";
import { CliError } from "../cli-error.ts";
import type { TraceReader } from "./trace-reader.ts";

const FULL_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PART = /^[0-9a-f-]{4,}$/i;

/**
 * The full run id for what the user typed: a full id as is, or the short id `catena traces` shows
 * (its last characters; a start of 4 or more characters works too) looked up among the root runs of
 * `projects`. Unknown and ambiguous ids fail with a message naming the backend that was searched.
 */
export async function resolveRunId(
  reader: TraceReader,
  typed: string,
  projects: readonly string[],
): Promise<string> {
  const id = typed.trim();
  if (FULL_ID.test(id)) return id.toLowerCase();
  if (!PART.test(id)) {
    throw new CliError(
      `"${id}" is not a run id: give the id \`catena traces\` shows (8 characters) or the full one.`,
    );
  }
  const found = await listTraces({ client: reader.client, project: projects, shortId: id, limit: 2 });
  if (found.length === 1 && found[0] !== undefined) return found[0].runId;
  if (found.length > 1) {
    throw new CliError(
      `run id "${id}" is ambiguous in ${reader.where}: give more of it (catena traces --json shows full ids).`,
    );
  }
  throw runNotFound(id, reader);
}

/** The error for a run id that the backend does not have, naming that backend and what to check. */
export function runNotFound(id: string, reader: TraceReader, cause?: unknown): CliError {
  return new CliError(
    `No run ${id} in ${reader.where}. Check the id (catena traces lists recent runs); a run traced to another backend is read with LANGSMITH_API_KEY, CATENA_STUDIO_URL or CATENA_STUDIO_DB set as when it ran, and a run traced a moment ago appears once its traces are flushed.`,
    { code: "RUN_NOT_FOUND", cause },
  );
}

/** Turns the core's "no such run" error (which names only a URL) into {@link runNotFound}. */
export function explainRunNotFound(error: unknown, id: string, reader: TraceReader): unknown {
  return CatenaError.isInstance(error) && error.code === "RUN_NOT_FOUND"
    ? runNotFound(id, reader, error)
    : error;
}
