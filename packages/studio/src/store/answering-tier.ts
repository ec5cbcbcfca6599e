import type { DatabaseSync, StatementSync } from "node:sqlite";
import { readableMetadataSql as metadataSql } from "./json-column.ts";

/**
 * The tiers a run is given when its trace names none: its chain has no cascade (or it is not a
 * Catena run), so the tier is what kind of step answered.
 */
export const DERIVED_TIERS = {
  /** The answer came from an LLM: a model id that is no classifier's hash, tokens, or an `llm` run. */
  llm: "llm",
  /** The answer came from a trained classifier (its model is the artifact's 64-hex content hash). */
  classifier: "classifier",
  /** The answer came from a `knn` step (nearest labelled examples by embedding), and no LLM ran. */
  knn: "knn",
  /** No model step ran at all: code, rules or an outside client's runs without a model call. */
  none: "none",
} as const;

/** A run of the trace whose `kind` (or run type) makes it the answering step of a chain without a cascade. */
const traceHas = (alias: string, condition: string) =>
  `EXISTS (SELECT 1 FROM runs AS step WHERE step.trace_id = ${alias}.trace_id AND ${condition})`;

/**
 * SQL for the tier of root run `alias`, one rule for the runs table (column and filter), Trends and
 * the experiments' summaries. It is not evaluated when they read: each root run stores its result
 * in `runs.answering_tier` (migration 15, kept by RunStore), indexed with the project and start time.
 * 1. the tier that answered its last cascade, as the tracer put it on the root (`metadata.tier`);
 *    a cascade's `llm` tier is `llm` whether the LLM was called or answered from the cache;
 * 2. else `classifier` when the model it used is a trained classifier's hash;
 * 3. else `llm` when it used a model by name, counted tokens, or its trace has an `llm` run
 *    (a plain LLM chain, or a LangChain app traced with the SDK);
 * 4. else `knn` when its trace has a `knn` step (whose spec names no model: its embedder ran);
 * 5. else `none`: no model step ran.
 * Metadata SQLite cannot read (nested too deep, stored before the ingest's limit) counts as none.
 */
export function answeringTierSql(alias: string): string {
  const tier = metadataSql(alias, "tier");
  const model = metadataSql(alias, "model");
  const tokensIn = metadataSql(alias, "tokens_in");
  // A number only: SQLite orders any text above every number, and `"lots" > 0` would hold.
  const tokens = `coalesce(${alias}.total_tokens, CASE WHEN typeof(${tokensIn}) IN ('integer', 'real') THEN ${tokensIn} END, 0)`;
  return `CASE
      WHEN typeof(${tier}) = 'text' AND ${tier} <> '' THEN ${tier}
      WHEN typeof(${model}) = 'text' AND length(${model}) = 64 AND ${model} NOT GLOB '*[^0-9a-fA-F]*'
        THEN '${DERIVED_TIERS.classifier}'
      WHEN typeof(${model}) = 'text' AND ${model} <> '' THEN '${DERIVED_TIERS.llm}'
      WHEN ${tokens} > 0 THEN '${DERIVED_TIERS.llm}'
      WHEN ${traceHas(alias, "step.run_type = 'llm'")} THEN '${DERIVED_TIERS.llm}'
      WHEN ${traceHas(alias, `${metadataSql("step", "kind")} = 'knn'`)} THEN '${DERIVED_TIERS.knn}'
      ELSE '${DERIVED_TIERS.none}'
    END`;
}

/** Root runs per statement of {@link storeAnsweringTiers}. */
const TIER_BACKFILL_CHUNK = 50_000;

/**
 * Stores the answering tier of every root run, `chunk` rowids per statement: for the benches that
 * write runs straight into SQLite. A database's own roots are filled at open, a bounded chunk per
 * transaction (underived-roots.ts).
 */
export function storeAnsweringTiers(db: DatabaseSync, chunk = TIER_BACKFILL_CHUNK): void {
  const update = db.prepare(
    `UPDATE runs SET answering_tier = (${answeringTierSql("runs")})
      WHERE rowid > ? AND rowid <= ? AND parent_run_id IS NULL`,
  );
  const last = Number(db.prepare("SELECT coalesce(max(rowid), 0) AS n FROM runs").get()?.n ?? 0);
  // In rowid ranges: one statement does not hold a million rows' changes at once.
  for (let from = 0; from < last; from += chunk) update.run(from, from + chunk);
}

/**
 * Keeps `runs.answering_tier` in step as RunStore writes runs: a root's tier when the root is
 * written (its end brings `metadata.tier`), and again when a step that can decide it arrives
 * after the root (an `llm` run or a `knn` step, whose trace may end before the SDK sends them).
 */
export class AnsweringTierWriter {
  readonly #root: StatementSync;
  readonly #rootOfStep: StatementSync;
  readonly #clear: StatementSync;

  /**
   * @param rootAssignments more `SET` assignments for a root's row, made by the same UPDATE (RunStore
   * gives Trends' values, trend-columns.ts): the row is rewritten once, not once per derived column.
   * @param rootColumns the columns `rootAssignments` sets, made NULL again when a run stored as a
   * root turns out to be a child.
   */
  constructor(db: DatabaseSync, rootAssignments?: string, rootColumns: readonly string[] = []) {
    const more = rootAssignments === undefined ? "" : `, ${rootAssignments}`;
    this.#root = db.prepare(
      `UPDATE runs SET answering_tier = (${answeringTierSql("runs")})${more} WHERE rowid = ?`,
    );
    this.#clear = db.prepare(
      `UPDATE runs SET ${["answering_tier", ...rootColumns].map((c) => `${c} = NULL`).join(", ")} WHERE rowid = ?`,
    );
    // Only a root whose rule fell through to the trace's steps: a step cannot change the others.
    this.#rootOfStep = db.prepare(
      `UPDATE runs SET answering_tier = (${answeringTierSql("runs")})
        WHERE trace_id = ? AND parent_run_id IS NULL AND answering_tier IN ('${DERIVED_TIERS.none}', '${DERIVED_TIERS.knn}')`,
    );
  }

  /**
   * After run `rowid` was inserted or updated; `wasRoot` when it was stored as a root before (an
   * update that came before its create has no parent yet).
   */
  written(
    rowid: number,
    run: {
      parent_run_id: string | null;
      trace_id: string | null;
      run_type: string | null;
      extra: Record<string, unknown> | null;
    },
    wasRoot = false,
  ): void {
    if (run.parent_run_id === null) {
      this.#root.run(rowid);
      return;
    }
    // A child run has no tier nor Trends' values: its create brought the parent its update lacked.
    if (wasRoot) this.#clear.run(rowid);
    if (run.trace_id === null) return;
    const kind = (run.extra?.metadata as Record<string, unknown> | undefined)?.kind;
    if (run.run_type === "llm" || kind === "knn") this.#rootOfStep.run(run.trace_id);
  }
}

/** SQLite's NOCASE: ASCII letters only, as the tier filter compares (tiers are step names). */
const asciiUpper = (text: string) => text.replace(/[a-z]+/g, (s) => s.toUpperCase());
const asciiLower = (text: string) => text.replace(/[A-Z]+/g, (s) => s.toLowerCase());

const tierSpellings = new WeakMap<DatabaseSync, TierSpellings>();

/**
 * The spellings of tier `tier` that the root runs of `project` store, ignoring ASCII case: the
 * tier filter matches `LLM` to the stored `llm`, and still reads a tier's roots through the index
 * `runs_session_root_tier` (a `COLLATE NOCASE` comparison could not use it). Every spelling lies
 * between the all-upper and the all-lower one in SQLite's byte order, so the index is walked from
 * one distinct stored tier to the next in that range: one seek per distinct tier, not per root.
 */
export class TierSpellings {
  readonly #first: StatementSync;
  readonly #next: StatementSync;

  /** The one of `db`: its two statements are prepared once, not on every `/catena/runs` request. */
  static for(db: DatabaseSync): TierSpellings {
    let spellings = tierSpellings.get(db);
    if (spellings === undefined) {
      spellings = new TierSpellings(db);
      tierSpellings.set(db, spellings);
    }
    return spellings;
  }

  constructor(db: DatabaseSync) {
    const seek = (from: ">=" | ">") =>
      db.prepare(
        `SELECT answering_tier AS tier FROM runs INDEXED BY runs_session_root_tier
          WHERE session_id = ? AND parent_run_id IS NULL AND answering_tier ${from} ? AND answering_tier <= ?
          ORDER BY answering_tier LIMIT 1`,
      );
    this.#first = seek(">=");
    this.#next = seek(">");
  }

  /** The stored spellings of `tier` in `project`, none when no root of it has that tier. */
  of(project: string, tier: string): string[] {
    const last = asciiLower(tier);
    const found: string[] = [];
    let row = this.#first.get(project, asciiUpper(tier), last);
    while (row !== undefined) {
      const stored = String(row.tier);
      if (asciiLower(stored) === last) found.push(stored);
      row = this.#next.get(project, stored, last);
    }
    return found;
  }
}
