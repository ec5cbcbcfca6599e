import type { DatabaseSync } from "node:sqlite";
import { answeringTierSql } from "./answering-tier.ts";
import { trendAssignmentsSql } from "./trend-columns.ts";

/** The partial index of the root runs whose tier or Trends' values were never stored (migration 17). */
export const UNDERIVED_ROOTS_INDEX = "runs_root_underived";

/**
 * SQL true for a root run of `alias` whose tier (migration 15) or Trends' values (migration 16)
 * were never computed: a studio older than those migrations wrote it. Once computed, the tier is
 * never NULL and `trend_failed` is 0 or 1, so NULL marks "not computed".
 */
export function underivedRootSql(alias: string): string {
  return `${alias}.parent_run_id IS NULL AND (${alias}.trend_failed IS NULL OR ${alias}.answering_tier IS NULL)`;
}

/**
 * Stores the tier and Trends' values of the root runs an older studio wrote after this database
 * was migrated (it shares the file with a newer one), found through {@link UNDERIVED_ROOTS_INDEX}:
 * a read of an empty index when there are none. Returns how many roots it filled.
 */
export function fillUnderivedRoots(db: DatabaseSync): number {
  const where = underivedRootSql("runs");
  const any = db.prepare(`SELECT 1 FROM runs INDEXED BY ${UNDERIVED_ROOTS_INDEX} WHERE ${where} LIMIT 1`);
  if (any.get() === undefined) return 0;
  const update = db.prepare(
    `UPDATE runs INDEXED BY ${UNDERIVED_ROOTS_INDEX}
      SET answering_tier = (${answeringTierSql("runs")}), ${trendAssignmentsSql()} WHERE ${where}`,
  );
  return Number(update.run().changes);
}
