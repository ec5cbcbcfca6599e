import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { type AnyChain, type LockFile, lockFor, readLockFile } from "@catena/core";
import { CONFIG_FILE } from "../chains/read-config.ts";
import { CliError } from "../cli-error.ts";
import { DEFAULT_LOCKFILE } from "../commands/lock.ts";

/** A file a promotion writes: where, and its whole new text. */
export interface PlannedWrite {
  path: string;
  text: string;
}

/** What promoting a candidate writes, read and checked, nothing written yet (see {@link planPromotion}). */
export interface PromotionPlan {
  /** `catena.lock.json` with the candidate locked as `catena lock` would. */
  lock: PlannedWrite;
  /** `catena.config.json` with the candidate's module in its `chains`. */
  config: PlannedWrite;
}

/**
 * Reads and checks all that promoting a candidate changes, writing nothing: the lock file gains
 * `name@version -> fingerprint` (created when missing, the entries already there kept), so that
 * `catena lock --check` passes after the promotion; the project's `catena.config.json` (created
 * when missing) lists the candidate's chain module, so that the bare chain name resolves to it as
 * the latest version while the earlier versions stay loadable as name@version. Every refusal (a
 * stale lock entry, a config that is not a JSON object) comes here, before any file changes: a
 * promotion is written whole by {@link applyPromotion} or not at all.
 */
export async function planPromotion(
  cwd: string,
  candidate: AnyChain,
  modulePath: string,
): Promise<PromotionPlan> {
  return { lock: await plannedLock(cwd, candidate), config: plannedConfig(cwd, modulePath) };
}

/**
 * Writes a planned promotion, lock file first. Synchronous on purpose: no signal handler runs
 * between a caller's last check and the last write, so a Ctrl-C finds either no promotion or a
 * whole one. Returns the paths written.
 */
export function applyPromotion(plan: PromotionPlan): { lockedIn: string; promotedIn: string } {
  writeFileSync(plan.lock.path, plan.lock.text);
  writeFileSync(plan.config.path, plan.config.text);
  return { lockedIn: plan.lock.path, promotedIn: plan.config.path };
}

function plannedConfig(cwd: string, modulePath: string): PlannedWrite {
  const path = join(cwd, CONFIG_FILE);
  let config: Record<string, unknown> = {};
  if (existsSync(path)) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
      if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed))
        config = parsed as Record<string, unknown>;
      else throw new Error("not a JSON object");
    } catch (error) {
      throw new CliError(
        `cannot promote: ${path} is not a JSON object (${(error as Error).message}); fix it, then add "${modulePath}" to its "chains".`,
        { cause: error },
      );
    }
  }
  const chains = Array.isArray(config.chains) ? config.chains.filter((c) => typeof c === "string") : [];
  const rel = relative(cwd, modulePath).split(sep).join("/");
  const entry = rel.startsWith("..") || rel.startsWith("/") ? modulePath : `./${rel}`;
  if (!chains.includes(entry)) chains.push(entry);
  return { path, text: `${JSON.stringify({ ...config, chains }, null, 2)}\n` };
}

async function plannedLock(cwd: string, candidate: AnyChain): Promise<PlannedWrite> {
  const path = join(cwd, DEFAULT_LOCKFILE);
  const lock = await readLockFile(path);
  const locked = lock.chains[candidate.id];
  if (locked !== undefined && locked !== candidate.fingerprint) {
    // The version is new to the loaded chains, so an entry under it is left from a candidate that is gone.
    throw new CliError(
      `cannot lock ${candidate.id}: ${path} already locks that version to another fingerprint; remove the stale entry (or run \`catena lock --force\`), then promote again.`,
    );
  }
  const merged: LockFile = lockFor([]);
  const all = { ...lock.chains, ...lockFor([candidate]).chains };
  for (const id of Object.keys(all).sort()) merged.chains[id] = all[id] as string;
  // As `writeLockFile` writes it.
  return { path, text: `${JSON.stringify(merged, null, 2)}\n` };
}
