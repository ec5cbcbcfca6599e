import { assertJsonDepth, JsonTooDeepError, MAX_JSON_DEPTH } from "../http/json-depth.ts";
import { parseJsonText } from "../http/parse-json-text.ts";
import { StudioHttpError } from "../http/studio-http-error.ts";
import { type FeedbackCreate, toFeedbackCreate } from "../store/feedback-store.ts";
import { isUuid, type RunOperation, refusedRunId, toRunFields } from "../store/run-fields.ts";
import type { RunAttachment } from "../store/run-store.ts";
import { DROPPED_METADATA_KEY, droppedFieldValue, droppedNote } from "./dropped-part-marker.ts";
import type { StreamedPart } from "./stream-multipart.ts";

/** What one `POST /runs/multipart` body asks to store. */
export interface MultipartIngest {
  operations: RunOperation[];
  attachments: RunAttachment[];
  feedback: FeedbackCreate[];
  /** Runs and feedback left out, each with why (nested too deep, bad dotted order); the rest is stored. */
  refused: { id: string; detail: string }[];
  /** Runs stored with parts dropped for their size (see {@link droppedNote}), each with what and why. */
  dropped: { id: string; detail: string }[];
}

const runFields = ["inputs", "outputs", "events", "extra", "error", "serialized"] as const;

/**
 * Reads the parts the SDK sends to `/runs/multipart`: `post.{id}` / `patch.{id}` (the run without
 * its large fields), `post.{id}.inputs|outputs|events|extra|error|serialized` (each one JSON value),
 * `attachment.{id}.{name}` (raw bytes) and `feedback.{id}`. A field part without its run part, an
 * unknown part name or invalid JSON is a 422 that names the part. A run or feedback nested deeper
 * than {@link MAX_JSON_DEPTH}, or a run with a malformed `dotted_order`, is left out (with its
 * attachments) and listed in `refused`.
 *
 * A part that the body reader dropped for its size (`droppedBytes`, past `keepBytes`) loses no run:
 * a dropped inputs, outputs, ... part is stored as a marker saying what was dropped and how to keep
 * it ({@link droppedFieldValue}), a dropped attachment is left out, and the run's metadata gets
 * `catena_dropped` (so `exists(metadata, "catena_dropped")` finds such runs); these are listed in
 * `dropped` (a dropped part of an update is left out, not marked: it never replaces what the create
 * stored). Run and feedback parts themselves are never dropped (see {@link isAlwaysKeptPart}).
 */
export function readMultipartIngest(parts: readonly StreamedPart[], keepBytes = 0): MultipartIngest {
  const runs = new Map<
    string,
    {
      kind: "post" | "patch";
      id: string;
      body?: Record<string, unknown>;
      fields: Record<string, unknown>;
      droppedFields: string[];
    }
  >();
  const attachments: RunAttachment[] = [];
  const feedback: FeedbackCreate[] = [];
  const refused: MultipartIngest["refused"] = [];
  const notes = new Map<string, string[]>();
  const note = (runId: string, text: string) => notes.set(runId, [...(notes.get(runId) ?? []), text]);
  for (const part of parts) {
    const segments = part.name.split(".");
    const [head, id, field, ...rest] = segments;
    if (part.droppedBytes !== undefined && id !== undefined) {
      const runId = id.toLowerCase();
      const isField = field !== undefined && (runFields as readonly string[]).includes(field);
      if ((head === "post" || head === "patch") && isUuid(id) && isField && rest.length === 0) {
        const text = droppedNote(field, part.droppedBytes, keepBytes);
        const key = `${head}.${runId}`;
        const entry = runs.get(key) ?? { kind: head, id: runId, fields: {}, droppedFields: [] };
        runs.set(key, entry);
        // An update leaves the field out (the SDK's patchRun sends the inputs again, which the
        // create may have stored in full); a create stores the marker where nothing is stored yet.
        if (head === "post") {
          entry.fields[field] = droppedFieldValue(field, text);
          entry.droppedFields.push(field);
        }
        note(runId, text);
        continue;
      }
      if (head === "attachment" && isUuid(id) && field !== undefined) {
        note(runId, droppedNote(`attachment ${[field, ...rest].join(".")}`, part.droppedBytes, keepBytes));
        continue;
      }
      refused.push({ id, detail: droppedNote(`part "${part.name}"`, part.droppedBytes, keepBytes) });
      continue;
    }
    if (head === "feedback" && id !== undefined && field === undefined) {
      const body = parseJsonPart(part);
      try {
        assertJsonDepth(body, `Part "${part.name}"`, MAX_JSON_DEPTH + 1);
      } catch (error) {
        if (!(error instanceof JsonTooDeepError)) throw error;
        refused.push({ id, detail: error.message });
        continue;
      }
      const created = toFeedbackCreate(body, `part "${part.name}"`);
      if (isUuid(id)) created.id ??= id.toLowerCase();
      feedback.push(created);
      continue;
    }
    if (head === "attachment" && isUuid(id) && field !== undefined) {
      attachments.push({
        runId: id.toLowerCase(),
        name: [field, ...rest].join("."),
        mimeType: part.mimeType,
        data: part.data,
      });
      continue;
    }
    if ((head === "post" || head === "patch") && isUuid(id) && rest.length === 0) {
      const key = `${head}.${id.toLowerCase()}`;
      const entry = runs.get(key) ?? { kind: head, id: id.toLowerCase(), fields: {}, droppedFields: [] };
      runs.set(key, entry);
      if (field === undefined) {
        const body = parseJsonPart(part);
        if (typeof body !== "object" || body === null || Array.isArray(body)) {
          throw new StudioHttpError(422, `Part "${part.name}" must be a JSON object with the run's fields.`);
        }
        entry.body = body as Record<string, unknown>;
      } else if ((runFields as readonly string[]).includes(field)) {
        entry.fields[field] = parseJsonPart(part);
      } else {
        throw unknownPart(part.name);
      }
      continue;
    }
    throw unknownPart(part.name);
  }
  const operations: RunOperation[] = [];
  const dropped: MultipartIngest["dropped"] = [];
  const refusedIds = new Set(refused.map((r) => r.id.toLowerCase()));
  for (const [key, entry] of runs) {
    if (entry.body === undefined && refusedIds.has(entry.id)) continue; // its own part was dropped
    if (entry.body === undefined) {
      throw new StudioHttpError(
        422,
        `Parts for ${key} came without the part "${key}" that carries the run itself: send it in the same request.`,
      );
    }
    const bodyId = entry.body.id;
    if (bodyId !== undefined && (typeof bodyId !== "string" || bodyId.toLowerCase() !== entry.id)) {
      throw new StudioHttpError(
        422,
        `Part "${key}" holds a run with id ${JSON.stringify(bodyId)}, not ${entry.id}.`,
      );
    }
    const runNotes = notes.get(entry.id);
    if (runNotes !== undefined) {
      // A top-level metadata joins extra.metadata (run-fields.ts), after a dropped extra's marker.
      const own = entry.body.metadata;
      const metadata = typeof own === "object" && own !== null && !Array.isArray(own) ? own : {};
      entry.body = { ...entry.body, metadata: { ...metadata, [DROPPED_METADATA_KEY]: runNotes.join("; ") } };
    }
    try {
      const run = toRunFields(entry.kind, { ...entry.body, ...entry.fields, id: entry.id }, `part "${key}"`);
      operations.push(
        entry.droppedFields.length === 0
          ? { kind: entry.kind, run }
          : { kind: entry.kind, run, droppedFields: entry.droppedFields },
      );
    } catch (error) {
      if (refusedRunId(error) === undefined) throw error;
      refused.push({ id: entry.id, detail: (error as Error).message });
    }
  }
  const left = new Set(refused.map((r) => r.id.toLowerCase()));
  // Only what is stored is reported as stored without its dropped parts; a refused run is
  // reported once, as refused.
  for (const [id, runNotes] of notes) if (!left.has(id)) dropped.push({ id, detail: runNotes.join("; ") });
  if (refused.length === 0) return { operations, attachments, feedback, refused, dropped };
  return {
    operations: operations.filter((op) => !left.has(op.run.id)),
    attachments: attachments.filter((a) => !left.has(a.runId)),
    feedback,
    refused,
    dropped,
  };
}

/**
 * True for the parts that carry a run or a feedback itself (`post.<id>`, `patch.<id>`,
 * `feedback.<id>`): small, and without them the run is lost, so the body reader keeps them
 * whatever their size.
 */
export function isAlwaysKeptPart(name: string): boolean {
  const segments = name.split(".");
  return segments.length === 2 && ["post", "patch", "feedback"].includes(segments[0] ?? "");
}

function parseJsonPart(part: StreamedPart): unknown {
  try {
    return parseJsonText(part.data.toString("utf8"));
  } catch (error) {
    throw new StudioHttpError(422, `Part "${part.name}" is not valid JSON (${(error as Error).message}).`);
  }
}

function unknownPart(name: string): StudioHttpError {
  return new StudioHttpError(
    422,
    `Unknown part "${name}": expected post.<run id>[.inputs|.outputs|.events|.extra|.error|.serialized], patch.<run id>[...], attachment.<run id>.<name> or feedback.<id>.`,
  );
}
