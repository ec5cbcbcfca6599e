import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ChainRegistry } from "@catena/core";
import { readLockFile } from "@catena/core";
import { DEFAULT_LOCKFILE } from "../commands/lock.ts";
import { stagingPrefix } from "./staged-folder.ts";

/**
 * The version a new candidate of `name` takes: the next patch version after the current one that no
 * loaded version, no entry of the project's lock file (a stale entry there would refuse the
 * candidate's promotion) and no candidate folder already in `.catena/candidates` takes, written or
 * still being staged (a second training must not overwrite the first one's candidate, which may
 * still be under review or still training).
 */
export async function candidateVersionFor(
  cwd: string,
  registry: ChainRegistry,
  name: string,
): Promise<{ version: string; taken: string[] }> {
  const taken = [
    ...registry.versions(name).map((c) => c.version),
    ...(await lockedVersions(cwd, name)),
    ...candidateFolderVersions(cwd, name),
  ];
  return { version: nextVersion(registry.get(name).version, taken), taken };
}

/** The next patch version after `version` that no defined version takes. */
export function nextVersion(version: string, taken: readonly string[]): string {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  const [major, minor] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
  let patch = m ? Number(m[3]) : 0;
  const used = new Set(taken);
  do patch++;
  while (used.has(`${major}.${minor}.${patch}`));
  return `${major}.${minor}.${patch}`;
}

/** Where candidates go by default, under the project folder. */
export const CANDIDATES_DIR = join(".catena", "candidates");

/**
 * Versions of `name` that have a folder `<name>@<version>` among the project's candidates, or a
 * staging folder of one (`.<name>@<version>.staged-…`: a training under way).
 */
function candidateFolderVersions(cwd: string, name: string): string[] {
  const dir = resolve(cwd, CANDIDATES_DIR);
  if (!existsSync(dir)) return [];
  // A staging folder is `stagingPrefix("<name>@<version>")` and a suffix of its own.
  const [before, after] = stagingPrefix(`${name}@\0`).split("\0") as [string, string];
  return readdirSync(dir).flatMap((entry) => {
    if (entry.startsWith(`${name}@`)) return [entry.slice(name.length + 1)];
    const end = entry.indexOf(after, before.length);
    return entry.startsWith(before) && end > before.length ? [entry.slice(before.length, end)] : [];
  });
}

/** Versions of `name` recorded in the project's lock file (none when there is no lock file). */
async function lockedVersions(cwd: string, name: string): Promise<string[]> {
  const lock = await readLockFile(resolve(cwd, DEFAULT_LOCKFILE));
  return Object.keys(lock.chains)
    .filter((id) => id.startsWith(`${name}@`))
    .map((id) => id.slice(name.length + 1));
}
