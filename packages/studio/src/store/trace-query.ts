import type { DatabaseSync } from "node:sqlite";
import type { StudioFeedback } from "./feedback-store.ts";
import { storedRunFromRow } from "./run-store.ts";
import { type StudioRun, toRunViews } from "./run-view.ts";

/** A whole trace for the trace view: its runs in execution (dotted) order and their feedback. */
export interface TraceTree {
  trace_id: string;
  runs: StudioRun[];
  feedback: StudioFeedback[];
}

/**
 * The runs of trace `traceId` ordered by dotted order (parents before children, siblings in start
 * order: the order the tree and the waterfall are drawn in), read by the `runs_trace` index, with
 * every piece of feedback on them. `undefined` when no run of that trace is stored.
 */
export function readTraceTree(
  db: DatabaseSync,
  traceId: string,
  tenantId: string,
  listFeedback: (runIds: string[]) => StudioFeedback[],
): TraceTree | undefined {
  const rows = db.prepare("SELECT * FROM runs WHERE trace_id = ? ORDER BY dotted_order").all(traceId);
  if (rows.length === 0) return undefined;
  // Without `select`, every field is there.
  const runs = toRunViews(db, rows.map(storedRunFromRow), { tenantId }) as StudioRun[];
  return { trace_id: traceId, runs, feedback: listFeedback(runs.map((r) => r.id)) };
}
