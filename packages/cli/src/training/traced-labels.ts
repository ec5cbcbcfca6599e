/*
 * The labels a chain's traces hold: the LLM tier's answers (with their confidence) and the
 * corrections people gave as feedback. Read through the SDK from LangSmith or the studio.
 */
import { CatenaError } from "@catena/core";
import { type FeedbackRecord, listFeedback, listTracedInputs, type TraceClient } from "@catena/core/tracing";
import { TrainFromTracesError } from "./train-from-traces-error.ts";

/** One traced run that gives a label to learn from. */
export interface TracedLabel {
  runId: string;
  /** ISO time the run started. */
  startedAt: string;
  text: string;
  label: string;
  /**
   * `correction`: a person's correction (it overrides the chain's answer); `llm`: the LLM tier's
   * answer; `cheap`: a cheap tier's answer (recent traffic to measure on, never a label to train on).
   */
  source: "correction" | "llm" | "cheap";
  /** The tier that answered the run (`deferred` when none did). */
  tier: string;
  /** The answering tier's confidence, when the run answered. */
  confidence?: number;
  /** The chain's own answer, when a correction replaced it or an audit checked it. */
  answered?: string;
  /** The LLM tier's label from an audit of a cheap tier's answer (`answered` is that answer). */
  audit?: true;
  /**
   * For an audit: 1 / the chance it had of being audited. `--audit-pick uncertain` audits the
   * answers near a threshold more often; weighed so, its labels stand for the traffic again.
   */
  weight?: number;
  /** A person rated the answer at or above the rating threshold: a cheap tier's answer that is checked. */
  confirmed?: true;
}

/** Runs read and why some gave no label. */
export interface TracedLabelCounts {
  /** Root runs of the chain read in the window (shadow runs aside). */
  runs: number;
  /** Shadow runs of candidate versions: never labels. */
  shadow: number;
  /**
   * Audits (`batch --audit`) whose LLM label was read as an LLM label of the audited text, and of
   * those, the ones where it differs from the cheap tier's answer.
   */
  audits: number;
  auditDisagreements: number;
  /** Runs with a correction. */
  corrected: number;
  /** Answers rated below the threshold without a correction: left out. */
  lowRated: number;
  /** Corrections whose label is not one of the chain's labels: left out. */
  invalidCorrections: number;
  /** Runs a cheap tier answered (no correction): traffic to measure on, not labels to learn from. */
  cheap: number;
  /** Runs that failed or were deferred without a correction. */
  unanswered: number;
  /**
   * Root runs by the tier that ended them (`deferred` for a deferral), whatever their feedback: how
   * the traffic was routed, which the labels alone would skew (they leave out failed, deferred and
   * low-rated runs).
   */
  routed: Record<string, number>;
}

/** What {@link readTracedLabels} reads. */
export interface TracedLabelQuery {
  chain: string;
  projects: readonly string[];
  since: Date;
  /** The chain's labels: corrections to others are left out. */
  labels: readonly string[];
  /** Tiers whose answers are the LLM's. */
  llmTiers: readonly string[];
  /** Feedback key of ratings (default `rating`). */
  ratingKey: string;
  /** A rating below this marks the answer wrong. */
  minRating: number;
  /** Where to read, and how to name it in messages. */
  client: TraceClient;
  where: string;
  /** Called after the runs are listed and after each chunk of their feedback. */
  onProgress?: (p: { phase: "read"; done: number; total: number }) => void;
}

/** Feedback of this many runs per request. */
const FEEDBACK_CHUNK = 100;

/**
 * Reads the chain's root runs since `since` and their feedback, and returns the labels to learn
 * from: a correction's label wherever a person gave one (newest wins), else the LLM tier's answer
 * unless a rating below `minRating` says it is wrong, and the LLM tier's answer in each audit of a
 * cheap tier's answer (an LLM label of the audited text); and the cheap tiers' answers (not rated
 * wrong), which are recent traffic to measure on but not labels to learn from. Throws `TRACES_NOT_FOUND` when the window
 * holds no run of the chain and `TRACES_UNREACHABLE` when the backend does not answer.
 */
export async function readTracedLabels(
  query: TracedLabelQuery,
): Promise<{ items: TracedLabel[]; counts: TracedLabelCounts }> {
  const runs = await reachable(query, () =>
    listTracedInputs({
      client: query.client,
      project: query.projects,
      chain: query.chain,
      since: query.since,
      limit: 100_000,
    }),
  );
  const own = runs.filter(
    (r) => r.metadata.shadow_of === undefined && r.metadata.shadow !== true && r.metadata.audit !== true,
  );
  const audits = runs.filter((r) => r.metadata.audit === true && r.metadata.shadow !== true);
  if (own.length === 0) {
    throw new TrainFromTracesError(
      "TRACES_NOT_FOUND",
      `No traced runs of ${query.chain} in ${query.where} (project ${query.projects.join(", ")}) since ${query.since.toISOString()}; run the chain with tracing on (catena batch ${query.chain} --file ...), or widen --since or name the --project.`,
      { details: { chain: query.chain, projects: query.projects, since: query.since.toISOString() } },
    );
  }
  const feedback: FeedbackRecord[] = [];
  // One step for the runs, one per chunk of feedback: the bar moves while the studio answers.
  // The audits' feedback too: a person may rate an audit's LLM answer wrong or correct it.
  const rated = [...own, ...audits];
  const total = 1 + Math.ceil(rated.length / FEEDBACK_CHUNK);
  query.onProgress?.({ phase: "read", done: 1, total });
  for (let i = 0; i < rated.length; i += FEEDBACK_CHUNK) {
    const runIds = rated.slice(i, i + FEEDBACK_CHUNK).map((r) => r.runId);
    feedback.push(...(await reachable(query, () => listFeedback({ client: query.client, runIds }))));
    query.onProgress?.({ phase: "read", done: 2 + i / FEEDBACK_CHUNK, total });
  }
  const corrections = new Map<string, { at: string; label: unknown }>();
  const lowRated = new Set<string>();
  const wellRated = new Set<string>();
  for (const f of feedback) {
    if (f.correction !== undefined) {
      const label = typeof f.correction === "string" ? f.correction : f.correction.label;
      const seen = corrections.get(f.runId);
      if (seen === undefined || f.createdAt >= seen.at) corrections.set(f.runId, { at: f.createdAt, label });
    }
    const score = typeof f.score === "boolean" ? Number(f.score) : f.score;
    if (f.key === query.ratingKey && typeof score === "number")
      (score < query.minRating ? lowRated : wellRated).add(f.runId);
  }
  const allowed = new Set(query.labels);
  const counts: TracedLabelCounts = {
    runs: own.length,
    shadow: runs.length - own.length - audits.length,
    audits: 0,
    auditDisagreements: 0,
    corrected: 0,
    lowRated: 0,
    invalidCorrections: 0,
    cheap: 0,
    unanswered: 0,
    routed: {},
  };
  const items: TracedLabel[] = [];
  for (const run of own) {
    const answer = run.outputs ?? {};
    const tier = run.tier ?? (run.status === "deferred" ? "deferred" : String(answer.tier ?? "unknown"));
    const base = {
      runId: run.runId,
      startedAt: run.startedAt,
      text: run.text,
      tier,
      ...(typeof answer.confidence === "number" ? { confidence: answer.confidence } : {}),
    };
    counts.routed[tier] = (counts.routed[tier] ?? 0) + 1;
    const correction = corrections.get(run.runId);
    if (correction !== undefined) {
      if (typeof correction.label === "string" && allowed.has(correction.label)) {
        counts.corrected++;
        items.push({
          ...base,
          label: correction.label,
          source: "correction",
          ...(run.label === undefined ? {} : { answered: run.label }),
        });
      } else counts.invalidCorrections++;
      continue;
    }
    if (run.status !== "done" || run.label === undefined || !allowed.has(run.label)) counts.unanswered++;
    else if (lowRated.has(run.runId)) counts.lowRated++;
    else if (query.llmTiers.includes(tier)) items.push({ ...base, label: run.label, source: "llm" });
    else {
      counts.cheap++;
      items.push({
        ...base,
        label: run.label,
        source: "cheap",
        ...(wellRated.has(run.runId) ? { confirmed: true as const } : {}),
      });
    }
  }
  // An audit is the LLM tier's answer on a text a cheap tier answered: an LLM label like any other
  // (a correction of the same text still wins when the training set picks one label per text, and
  // so does a cheap answer a person rated right). A person's word on the audit itself goes first:
  // its correction is a correction, an audit rated wrong is no label. An LLM answer below the LLM
  // tier's own threshold (`accepted: false`) would not have been served: no label either.
  for (const run of audits) {
    const answered = run.metadata.audit_label;
    const correction = corrections.get(run.runId);
    if (correction !== undefined) {
      if (typeof correction.label === "string" && allowed.has(correction.label)) {
        counts.corrected++;
        items.push({
          runId: run.runId,
          startedAt: run.startedAt,
          text: run.text,
          label: correction.label,
          source: "correction",
          tier: typeof run.metadata.audit_tier === "string" ? run.metadata.audit_tier : "unknown",
          ...(run.label === undefined ? {} : { answered: run.label }),
        });
      } else counts.invalidCorrections++;
      continue;
    }
    if (run.status !== "done" || run.label === undefined || !allowed.has(run.label)) continue;
    if (run.outputs?.accepted === false) continue;
    if (lowRated.has(run.runId)) {
      counts.lowRated++;
      continue;
    }
    counts.audits++;
    if (typeof answered === "string" && answered !== run.label) counts.auditDisagreements++;
    const confidence = run.outputs?.confidence;
    const probability = run.metadata.audit_probability;
    items.push({
      runId: run.runId,
      startedAt: run.startedAt,
      text: run.text,
      label: run.label,
      source: "llm",
      // The tier that answered the audited run (the audit's own is the LLM tier).
      tier: typeof run.metadata.audit_tier === "string" ? run.metadata.audit_tier : "unknown",
      ...(typeof confidence === "number" ? { confidence } : {}),
      ...(typeof answered === "string" ? { answered } : {}),
      audit: true,
      ...(typeof probability === "number" && probability > 0 && probability <= 1
        ? { weight: 1 / probability }
        : {}),
    });
  }
  return { items, counts };
}

/** Runs a read, turning a backend that does not answer into `TRACES_UNREACHABLE`. */
async function reachable<T>(query: TracedLabelQuery, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (CatenaError.isInstance(error) && error.code === "TRACING_UNAVAILABLE") {
      throw new TrainFromTracesError(
        "TRACES_UNREACHABLE",
        `Cannot read the traces of ${query.chain}: ${error.message}`,
        { cause: error, details: { where: query.where } },
      );
    }
    throw error;
  }
}
