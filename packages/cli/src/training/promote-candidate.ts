import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { type AnyChain, type LockFile, lockFor, readLockFile, writeLockFile } from "@catena/core";
import { CONFIG_FILE } from "../chains/read-config.ts";
import { CliError } from "../cli-error.ts";
import { DEFAULT_LOCKFILE } from "../commands/lock.ts";

/**
 * Promotes a candidate: lists its chain module in the project's `catena.config.json` (created when
 * missing), so that the bare chain name resolves to it as the latest version while the earlier
 * versions stay loadable as name@version. Returns the config file's path.
 */
export function promoteCandidate(cwd: string, modulePath: string): string {
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
  writeFileSync(path, `${JSON.stringify({ ...config, chains }, null, 2)}\n`);
  return path;
}

/**
 * Locks a promoted candidate as `catena lock` would: adds `name@version -> fingerprint` to the
 * project's `catena.lock.json` (created when missing), keeping the entries already there, so that
 * `catena lock --check` passes after a promotion. Returns the lock file's path.
 */
export async function lockCandidate(cwd: string, candidate: AnyChain): Promise<string> {
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
  await writeLockFile(path, merged);
  return path;
}
