import { readFile, writeFile } from "node:fs/promises";
import type { AnyChain } from "../compile/define-chain.ts";
import { CatenaError } from "../errors/catena-error.ts";

/** The content of `catena.lock.json`: which fingerprint each `name@version` had when locked. */
export interface LockFile {
  lockfileVersion: 1;
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
  return { lockfileVersion: 1, chains: Object.fromEntries(entries) };
}

/** Compares chains with a lock: a changed fingerprint under an unchanged version is an error. */
export function checkLock(chains: Iterable<AnyChain>, lock: LockFile): LockCheck {
  const entries: LockEntryCheck[] = [];
  const seen = new Set<string>();
  for (const chain of chains) {
    seen.add(chain.id);
    const locked = lock.chains[chain.id];
    if (locked === undefined) entries.push({ id: chain.id, status: "new", actual: chain.fingerprint });
    else
      entries.push({
        id: chain.id,
        status: locked === chain.fingerprint ? "ok" : "changed",
        locked,
        actual: chain.fingerprint,
      });
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
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { lockfileVersion: 1, chains: {} };
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
  return { lockfileVersion: 1, chains: lock.chains as Record<string, string> };
}

/** Writes a lock file with stable formatting, so that diffs show only real changes. */
export async function writeLockFile(path: string, lock: LockFile): Promise<void> {
  await writeFile(path, `${JSON.stringify(lock, null, 2)}\n`);
}
