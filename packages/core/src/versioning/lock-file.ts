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

/**
 * The content of `catena.lock.json`: which fingerprint each `name@version` had when locked, and
 * with which scheme. A run of `catena lock` re-hashes only the chains it loads; the entries of
 * chains it did not load keep the scheme they were computed with, so one file may hold two schemes.
 */
export interface LockFile {
  lockfileVersion: 1;
  /**
   * The {@link FINGERPRINT_SCHEME} of every entry not named in `schemes`; absent when those entries
   * were written by an older Catena, which recorded no scheme.
   */
  fingerprints?: string;
  /**
   * The scheme of each entry whose scheme is not `fingerprints`: only in a lock that mixes schemes
   * (an older lock where some chains were re-locked). Older Catenas ignore it and, seeing no current
   * `fingerprints`, treat every entry as of the older scheme: cautious, never wrong the other way.
   */
  schemes?: Record<string, string>;
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
   * The entry was locked with another fingerprint scheme (an older Catena). On a `changed` entry,
   * the change may be the hashing's alone: check the chain, then re-lock (`catena lock --force`). On
   * a `missing` entry, it stays as it was until its chain is loaded and locked again.
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

/** The scheme an entry of a lock was computed with; undefined for an entry of an older Catena. */
export function entryScheme(lock: LockFile, id: string): string | undefined {
  return lock.schemes?.[id] ?? lock.fingerprints;
}

/**
 * The lock with `chains` locked anew (their current fingerprints, hashed with
 * {@link FINGERPRINT_SCHEME}) and every other entry kept as it was, with its own scheme: a chain not
 * loaded in this run is not claimed to be hashed the current way.
 *
 * @example
 * writeLockFile(path, relock(await readLockFile(path), registry.list()));
 */
export function relock(lock: LockFile, chains: Iterable<AnyChain>): LockFile {
  const entries = new Map<string, LockEntry>();
  for (const [id, fingerprint] of Object.entries(lock.chains)) {
    entries.set(id, { fingerprint, scheme: entryScheme(lock, id) });
  }
  for (const chain of chains) {
    entries.set(chain.id, { fingerprint: chain.fingerprint, scheme: FINGERPRINT_SCHEME });
  }
  return lockOfEntries(entries);
}

interface LockEntry {
  fingerprint: string;
  scheme: string | undefined;
}

/**
 * A lock from its entries, sorted. When they all share a scheme it is the file's `fingerprints`
 * alone, as before per-entry schemes. Otherwise `fingerprints` names an older scheme (absent when an
 * entry has none), so that an older Catena reading the file never takes an old fingerprint for a
 * current one, and `schemes` names the entries hashed otherwise.
 */
function lockOfEntries(entries: Map<string, LockEntry>): LockFile {
  const ids = [...entries.keys()].sort((a, b) => a.localeCompare(b));
  const chains = Object.fromEntries(ids.map((id) => [id, (entries.get(id) as LockEntry).fingerprint]));
  const all = [...entries.values()];
  if (all.every((e) => e.scheme === FINGERPRINT_SCHEME)) {
    return { lockfileVersion: 1, fingerprints: FINGERPRINT_SCHEME, chains };
  }
  const base = all.some((e) => e.scheme === undefined) ? undefined : mostCommonOlderScheme(all);
  const schemes: Record<string, string> = {};
  for (const id of ids) {
    const { scheme } = entries.get(id) as LockEntry;
    if (scheme !== base && scheme !== undefined) schemes[id] = scheme;
  }
  return {
    lockfileVersion: 1,
    ...(base === undefined ? {} : { fingerprints: base }),
    ...(Object.keys(schemes).length > 0 ? { schemes } : {}),
    chains,
  };
}

function mostCommonOlderScheme(entries: LockEntry[]): string | undefined {
  const counts = new Map<string, number>();
  for (const { scheme } of entries) {
    if (scheme !== undefined && scheme !== FINGERPRINT_SCHEME)
      counts.set(scheme, (counts.get(scheme) ?? 0) + 1);
  }
  return [...counts].sort(([a, x], [b, y]) => y - x || a.localeCompare(b))[0]?.[0];
}

/** Compares chains with a lock: a changed fingerprint under an unchanged version is an error. */
export function checkLock(chains: Iterable<AnyChain>, lock: LockFile): LockCheck {
  const entries: LockEntryCheck[] = [];
  const seen = new Set<string>();
  const olderScheme = (id: string) => entryScheme(lock, id) !== FINGERPRINT_SCHEME;
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
        ...(olderScheme(chain.id) ? { olderScheme: true } : {}),
      });
    }
  }
  for (const [id, locked] of Object.entries(lock.chains)) {
    if (!seen.has(id))
      entries.push({ id, status: "missing", locked, ...(olderScheme(id) ? { olderScheme: true } : {}) });
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
  const schemes = lock.schemes;
  if (
    schemes !== undefined &&
    (typeof schemes !== "object" ||
      schemes === null ||
      Object.values(schemes).some((s) => typeof s !== "string"))
  ) {
    throw new CatenaError(
      "LOCK_FILE_INVALID",
      `${path}: "schemes" must map chain ids to fingerprint schemes, e.g. {"triage@1.0.0": "${FINGERPRINT_SCHEME}"}; fix it, or delete it and run \`catena lock\` with every chain loaded.`,
      { details: { path } },
    );
  }
  const chains = lock.chains as Record<string, string>;
  const fingerprints = typeof lock.fingerprints === "string" ? lock.fingerprints : undefined;
  const entries = new Map<string, LockEntry>();
  for (const [id, fingerprint] of Object.entries(chains)) {
    entries.set(id, { fingerprint, scheme: schemes?.[id] ?? fingerprints });
  }
  // Kept as written when it already is in normal form, so that reading and writing back changes nothing.
  if (schemes === undefined)
    return { lockfileVersion: 1, ...(fingerprints === undefined ? {} : { fingerprints }), chains };
  return lockOfEntries(entries);
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
