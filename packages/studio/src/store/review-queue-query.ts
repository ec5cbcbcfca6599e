import { createHash } from "node:crypto";
import type { DatabaseSync } from "node:sqlite";
import type { QueueItem, QueueReason } from "../page-api-shapes.ts";
import { correctionSchemaResolver } from "./correction-schema.ts";
import { fromJsonColumn, metadataSql, textColumn } from "./json-column.ts";
import { outcomeSql } from "./run-page-query.ts";

/** How the queue is filled. */
export interface QueueRules {
  /** An accepted answer whose confidence is below its threshold plus this margin counts as low. */
  lowConfidenceMargin: number;
  /** Runs sampled per chain per day. */
  dailySamplePerChain: number;
  /** How many of the newest root runs the rules look at. */
  window: number;
  /** The day of the sample (`YYYY-MM-DD`, UTC); default today. */
  day?: string;
}

/** The defaults: within 0.1 of the threshold, 5 a day per chain, the newest 5,000 runs. */
export const DEFAULT_QUEUE_RULES: QueueRules = {
  lowConfidenceMargin: 0.1,
  dailySamplePerChain: 5,
  window: 5000,
};

/**
 * The confidence and threshold (`[confidence, threshold]`, JSON) of the step that answered in a
 * trace: in a cascade, the step of the tier its cascade settled on (not a tier before it that
 * declined, whose threshold is not the answer's); a step outside cascades stands for itself. Of
 * several (one per cascade), the one closest above its threshold.
 */
const answeringStepSql = (root: string) => {
  const m = (key: string) => metadataSql("s", key);
  return `(SELECT json_array(${m("confidence")}, ${m("threshold")}) FROM runs AS s
      WHERE s.trace_id = ${root}.trace_id AND ${m("confidence")} IS NOT NULL AND ${m("threshold")} IS NOT NULL
        AND (${m("cascade")} IS NULL OR EXISTS (SELECT 1 FROM runs AS c WHERE c.trace_id = s.trace_id
          AND ${metadataSql("c", "kind")} = 'cascade' AND c.name = ${m("cascade")}
          AND ${metadataSql("c", "tier")} = ${m("tier")}))
      ORDER BY ${m("confidence")} - ${m("threshold")} LIMIT 1)`;
};

/**
 * The answer's confidence and threshold when the answer was accepted with a low confidence: at or
 * above its threshold, below it plus `margin`. A confidence of 1 is never low (a rules tier's match
 * at a threshold of 1 is certain). Undefined otherwise.
 */
function answerOf(column: unknown, margin: number): { confidence: number; threshold: number } | undefined {
  const pair = fromJsonColumn(column);
  if (!Array.isArray(pair)) return undefined;
  const [confidence, threshold] = pair;
  if (typeof confidence !== "number" || typeof threshold !== "number") return undefined;
  if (confidence < threshold || confidence >= threshold + margin || confidence >= 1) return undefined;
  return { confidence, threshold };
}

/**
 * The annotation queue of a project, by rule: runs paused at a `review` step, deferred runs,
 * runs added to an annotation queue (`catena sample`, `catena shadow report`, the SDK), runs with
 * an accepted answer of low confidence, and a daily random sample per chain (the same sample all
 * day: runs are ranked by a hash of the day and their id). A run that already has feedback has
 * been looked at and leaves the queue.
 */
export function queryReviewQueue(
  db: DatabaseSync,
  project: string,
  rules: QueueRules = DEFAULT_QUEUE_RULES,
): QueueItem[] {
  const rows = db
    .prepare(
      `SELECT r.id, r.trace_id, r.session_id, r.start_time, r.inputs, r.outputs,
        ${outcomeSql("r")} AS outcome, ${metadataSql("r", "chain")} AS chain, ${metadataSql("r", "version")} AS version,
        ${metadataSql("r", "fingerprint")} AS fingerprint, ${metadataSql("r", "output_schema")} AS output_schema,
        ${answeringStepSql("r")} AS answer
      FROM runs AS r INDEXED BY runs_session_root_start
      WHERE r.session_id = ? AND r.parent_run_id IS NULL
        AND NOT EXISTS (SELECT 1 FROM feedback AS f WHERE f.run_id = r.id)
      ORDER BY r.start_time DESC, r.id DESC LIMIT ?`,
    )
    .all(project, rules.window);
  // The runs waiting in annotation queues, read once: the table has no index by run.
  const queued = new Map<string, string>();
  for (const row of db
    .prepare(
      `SELECT qr.run_id, q.name FROM annotation_queue_runs AS qr JOIN annotation_queues AS q ON q.id = qr.queue_id
       WHERE qr.status = 'needs_review' ORDER BY qr.added_at DESC`,
    )
    .all())
    queued.set(String(row.run_id), String(row.name));
  const day = rules.day ?? new Date().toISOString().slice(0, 10);
  const schemaOf = correctionSchemaResolver(db);
  const items: QueueItem[] = [];
  const sampleCandidates = new Map<string, Array<{ rank: string; item: QueueItem }>>();
  for (const row of rows) {
    const answer = answerOf(row.answer, rules.lowConfidenceMargin);
    const base = {
      run_id: String(row.id),
      trace_id: textColumn(row.trace_id),
      session_id: textColumn(row.session_id),
      chain: textColumn(row.chain),
      version: textColumn(row.version),
      status: String(row.outcome),
      confidence: answer?.confidence ?? null,
      threshold: answer?.threshold ?? null,
      start_time: textColumn(row.start_time),
      inputs: fromJsonColumn(row.inputs),
      outputs: fromJsonColumn(row.outputs),
      output_schema:
        schemaOf({ fingerprint: row.fingerprint, output_schema: fromJsonColumn(row.output_schema) })
          ?.schema ?? null,
    };
    if (base.status === "waiting") items.push({ ...base, reason: "review" });
    else if (base.status === "deferred") items.push({ ...base, reason: "deferred" });
    else if (queued.has(base.run_id))
      items.push({ ...base, reason: "queued", queue: queued.get(base.run_id) as string });
    else if (base.confidence !== null) items.push({ ...base, reason: "low_confidence" });
    else if (base.start_time?.startsWith(day) === true && base.status !== "error") {
      const rank = createHash("sha256").update(`${day}:${base.run_id}`).digest("hex");
      const list = sampleCandidates.get(base.chain ?? "") ?? [];
      list.push({ rank, item: { ...base, reason: "sample" } });
      sampleCandidates.set(base.chain ?? "", list);
    }
  }
  const order: Record<QueueReason, number> = {
    review: 0,
    deferred: 1,
    queued: 2,
    low_confidence: 3,
    sample: 4,
  };
  for (const list of sampleCandidates.values()) {
    list.sort((a, b) => a.rank.localeCompare(b.rank));
    items.push(...list.slice(0, rules.dailySamplePerChain).map((c) => c.item));
  }
  return items.sort((a, b) => order[a.reason] - order[b.reason]);
}
