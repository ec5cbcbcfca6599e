import { readFile, writeFile } from "node:fs/promises";
import type { AnyChain } from "../compile/chain.ts";
import { CatenaError } from "../errors/catena-error.ts";

/**
 * How fingerprints are computed, recorded in lock files: `syntax-tree-1` hashes function source as
 * a normalised syntax tree (versioning/function-source.ts). Locks written before it have no scheme, and
 * their fingerprints of code depended on the loader (token text), so a mismatch against such a lock
 * may come from the new hashing alone.
 */
export const FINGERPRINT_SCHEME = "syntax-tree-1";

/** The content of `catena.lock.json`: which fingerprint each `name@version` had when locked. */
export interface LockFile {
  lockfileVersion: 1;
  /** The {@link FINGERPRINT_SCHEME} the fingerprints were computed with; absent in older locks. */
  fingerprints?: string;
  chains: Record<string, string>;
}

/** One difference between the chains and the lock file. */
export interface LockEntryCheck {
  id: string;
  /**
   * `ok`: matches; `changed`: the fingerprint changed but the version did not (an error);
   * `new`: not in the lock yet; `missing`: locked but no longer defined.
   */
  status: "ok" | "changed" | "new" | "missing";
  locked?: string;
  actual?: string;
  /**
   * On a `changed` entry: the lock was written with another fingerprint scheme (an older Catena),
   * so the change may be the hashing's alone. Check the chain, then re-lock (`catena lock --force`).
   */
  olderScheme?: boolean;
}

/** The result of checking chains against a lock file; `status` is `error` when any entry changed. */
export interface LockCheck {
  status: "ok" | "error";
  entries: LockEntryCheck[];
}

/** The lock file content for a set of chains. */
export function lockFor(chains: Iterable<AnyChain>): LockFile {
  const entries = [...chains]
    .map((c) => [c.id, c.fingerprint] as const)
    .sort(([a], [b]) => a.localeCompare(b));
  return { lockfileVersion: 1, fingerprints: FINGERPRINT_SCHEME, chains: Object.fromEntries(entries) };
}

/** Compares chains with a lock: a changed fingerprint under an unchanged version is an error. */
export function checkLock(chains: Iterable<AnyChain>, lock: LockFile): LockCheck {
  const entries: LockEntryCheck[] = [];
  const seen = new Set<string>();
  const olderScheme = lock.fingerprints !== FINGERPRINT_SCHEME;
  for (const chain of chains) {
    seen.add(chain.id);
    const locked = lock.chains[chain.id];
    if (locked === undefined) entries.push({ id: chain.id, status: "new", actual: chain.fingerprint });
    else if (locked === chain.fingerprint)
      entries.push({ id: chain.id, status: "ok", locked, actual: locked });
    else {
      entries.push({
        id: chain.id,
        status: "changed",
        locked,
        actual: chain.fingerprint,
        ...(olderScheme ? { olderScheme } : {}),
      });
    }
  }
  for (const [id, locked] of Object.entries(lock.chains)) {
    if (!seen.has(id)) entries.push({ id, status: "missing", locked });
  }
  entries.sort((a, b) => a.id.localeCompare(b.id));
  return { status: entries.some((e) => e.status === "changed") ? "error" : "ok", entries };
}

/** Reads a lock file; a missing file is an empty lock, a malformed one a CatenaError naming the file. */
export async function readLockFile(path: string): Promise<LockFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return { lockfileVersion: 1, fingerprints: FINGERPRINT_SCHEME, chains: {} };
    }
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CatenaError(
      "LOCK_FILE_INVALID",
      `${path} is not valid JSON; fix it or delete it and run \`catena lock\`.`,
      {
        cause: error,
        details: { path },
      },
    );
  }
  const lock = parsed as Partial<LockFile>;
  if (lock.lockfileVersion !== 1 || typeof lock.chains !== "object" || lock.chains === null) {
    throw new CatenaError(
      "LOCK_FILE_INVALID",
      `${path} is not a Catena lock file (lockfileVersion 1); delete it and run \`catena lock\`.`,
      {
        details: { path },
      },
    );
  }
  return {
    lockfileVersion: 1,
    ...(typeof lock.fingerprints === "string" ? { fingerprints: lock.fingerprints } : {}),
    chains: lock.chains as Record<string, string>,
  };
}

/**
 * The text of a lock file, with stable formatting so that diffs show only real changes: what
 * {@link writeLockFile} writes, for callers that write it their own way (atomically, with other files).
 *
 * @example
 * lockFileText(lockFor(chains)); // '{\n  "lockfileVersion": 1, ...'
 */
export function lockFileText(lock: LockFile): string {
  return `${JSON.stringify(lock, null, 2)}\n`;
}

/** Writes a lock file with stable formatting (see {@link lockFileText}). */
export async function writeLockFile(path: string, lock: LockFile): Promise<void> {
  await writeFile(path, lockFileText(lock));
}
