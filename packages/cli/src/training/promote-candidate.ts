import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, relative, sep } from "node:path";
import { type AnyChain, lockFileText, readLockFile, relock } from "@catena/core";
import { CONFIG_FILE } from "../chains/read-config.ts";
import { CliError } from "../cli-error.ts";
import { DEFAULT_LOCKFILE } from "../commands/lock.ts";
import { ExitCode } from "../exit-codes.ts";

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
 * Writes a planned promotion whole or not at all. Both texts go to temporary files beside their
 * targets first (a crash or a full disk then leaves the real files as they were, never truncated),
 * then the lock file is renamed into place, then the config; should the config's rename fail, the
 * lock file is put back as it was, so `catena lock --check` and the config never disagree.
 * Synchronous on purpose: no signal handler runs between a caller's last check and the last
 * write, so a Ctrl-C finds either no promotion or a whole one. Returns the paths written.
 */
export function applyPromotion(plan: PromotionPlan): { lockedIn: string; promotedIn: string } {
  const lockTemp = tempBeside(plan.lock.path);
  const configTemp = tempBeside(plan.config.path);
  const previousLock = existsSync(plan.lock.path) ? readFileSync(plan.lock.path) : undefined;
  try {
    writeDurably(lockTemp, plan.lock.text);
    writeDurably(configTemp, plan.config.text);
    renameSync(lockTemp, plan.lock.path);
    try {
      renameSync(configTemp, plan.config.path);
    } catch (error) {
      restoreLock(plan, lockTemp, previousLock, error);
      throw error;
    }
  } catch (error) {
    rmSync(lockTemp, { force: true });
    rmSync(configTemp, { force: true });
    if (error instanceof CliError) throw error;
    throw new CliError(
      `cannot promote: writing ${plan.lock.path} and ${plan.config.path} failed (${(error as Error).message}); neither was changed. Fix the cause, then promote again.`,
      { exitCode: ExitCode.failed, cause: error },
    );
  }
  return { lockedIn: plan.lock.path, promotedIn: plan.config.path };
}

/** Puts the lock file back as it was before a promotion whose config could not be written. */
function restoreLock(
  plan: PromotionPlan,
  lockTemp: string,
  previousLock: Uint8Array | undefined,
  configError: unknown,
): void {
  try {
    if (previousLock === undefined) rmSync(plan.lock.path, { force: true });
    else {
      writeDurably(lockTemp, previousLock);
      renameSync(lockTemp, plan.lock.path);
    }
  } catch (error) {
    rmSync(lockTemp, { force: true });
    throw new CliError(
      `promotion half-written: ${plan.lock.path} has the candidate locked, but writing ${plan.config.path} failed (${(configError as Error).message}) and so did putting the lock file back (${(error as Error).message}); add the candidate's module to "chains" in ${plan.config.path} by hand, or restore ${plan.lock.path} from version control.`,
      { exitCode: ExitCode.failed, cause: configError },
    );
  }
}

/** A temporary file's path in the same folder as `path`, so that renaming it over `path` is atomic. */
function tempBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
}

/** Writes `text` to `path` and flushes it to the disk before the rename that publishes it. */
function writeDurably(path: string, text: string | Uint8Array): void {
  const fd = openSync(path, "w");
  try {
    writeFileSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
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
  return { path, text: lockFileText(relock(lock, [candidate])) };
}

/**
 * Reads the project's lock file before training, so that a malformed one is refused before the
 * training costs anything. A lock of an older fingerprint scheme is not refused: a promotion
 * re-locks only the candidate's entry ({@link relock}), and every other entry keeps the scheme it
 * was hashed with.
 */
export async function assertPromotableLock(cwd: string): Promise<void> {
  await readLockFile(join(cwd, DEFAULT_LOCKFILE));
}
