import { randomBytes } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  unlinkSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { CliError } from "../cli-error.ts";
import { ExitCode } from "../exit-codes.ts";

/** What {@link StagedFolder.commit} did beside putting the staged files in place. */
export interface StagedCommit {
  /** The folder the files went to. */
  target: string;
  /** Files of the target that the commit removed (of those it was asked to), by name. */
  removed: string[];
}

/**
 * A folder being written beside the one it will become: training writes its files into `dir`, and
 * only {@link StagedFolder.commit} puts them in place, so that a training interrupted or failed
 * halfway leaves the target as it was (no new weights beside old thresholds).
 */
export interface StagedFolder {
  /** The folder the files are written to until the commit (beside the target, on its disk). */
  readonly dir: string;
  /** The folder the files go to. */
  readonly target: string;
  /** True once {@link commit} began: the staging folder is then no longer the caller's to discard. */
  readonly committed: boolean;
  /**
   * Puts the staged files in place, synchronously (no signal handler runs in between): a target
   * that did not exist is the staged folder renamed; in one that did, each staged file replaces
   * its namesake by a rename, the files named in `remove` go (they would not fit the new ones) and
   * the target's other files stay. Should a rename fail, the files already replaced or removed are
   * put back and the staged folder is removed. An `exclusive` folder is never merged into: when its
   * target exists by then (another command took it meanwhile) the commit throws a `CliError`.
   */
  commit(options?: { remove?: readonly string[] }): StagedCommit;
  /** Removes the staged folder and its files, and the parents it made when empty (after a failure or an interruption). */
  discard(): void;
}

/** Options of {@link stageFolder}. */
export interface StageFolderOptions {
  /**
   * The target is a folder of its own that nothing else may write (a candidate version): the commit
   * renames the staged folder to it only if it does not exist, never merging files into it.
   */
  exclusive?: boolean;
  /** How messages name the target (default: its path). */
  shown?: string;
}

/**
 * Prefix of the staging folders of `target`'s basename: `.<name>.staged-`, beside the target (a
 * candidate version that is being written is taken, though its folder does not exist yet).
 */
export function stagingPrefix(targetName: string): string {
  return `.${targetName}.staged-`;
}

/** Makes the staging folder for `target` (and `target`'s parents, removed again on discard if they are empty). */
export function stageFolder(target: string, options: StageFolderOptions = {}): StagedFolder {
  const parent = dirname(target);
  // The parents made here: a training that fails leaves no empty folders behind it.
  const firstMade = mkdirSync(parent, { recursive: true });
  const made: string[] = [];
  if (firstMade !== undefined) {
    for (let d = parent; d.length >= firstMade.length; d = dirname(d)) {
      made.push(d);
      if (d === firstMade) break;
    }
  }
  // Made with the usual mode (mkdtemp's is owner-only), which the folder keeps once renamed.
  const dir = join(
    parent,
    `${stagingPrefix(basename(target))}${process.pid}-${randomBytes(4).toString("hex")}`,
  );
  mkdirSync(dir);
  const discardStaged = (): void => rmSync(dir, { recursive: true, force: true });
  const discard = (): void => {
    discardStaged();
    // Deepest first; one that holds something another command put there meanwhile stays.
    for (const d of made) {
      try {
        rmdirSync(d);
      } catch {
        break;
      }
    }
  };
  const shown = options.shown ?? target;
  let committed = false;
  return {
    dir,
    target,
    get committed() {
      return committed;
    },
    discard,
    commit(commitOptions = {}): StagedCommit {
      committed = true;
      if (options.exclusive === true) {
        claim(target, shown, discard);
        try {
          renameSync(dir, target);
        } catch (error) {
          rmdirSync(target);
          discard();
          throw error;
        }
        return { target, removed: [] };
      }
      if (!existsSync(target)) {
        renameSync(dir, target);
        return { target, removed: [] };
      }
      const removed = replaceFiles(dir, target, commitOptions.remove ?? [], discardStaged);
      discardStaged();
      return { target, removed };
    },
  };
}

/**
 * Makes `target`, empty, failing if it exists: mkdir is atomic, so of two commands committing the
 * same folder one gets it and the other is told; the staged folder then replaces the empty folder
 * by a rename (POSIX renames over an empty folder), never merging into another's files.
 */
function claim(target: string, shown: string, discard: () => void): void {
  try {
    mkdirSync(target);
  } catch (error) {
    discard();
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      throw new CliError(
        `${shown} was written by another command while this one ran, so nothing was written there (it stays as that command left it); run this one again: it takes the next free version.`,
        { exitCode: ExitCode.failed, code: "CANDIDATE_TAKEN", cause: error },
      );
    }
    throw error;
  }
}

/**
 * Moves the files of `from` over their namesakes in `to` and removes those of `remove` that `to`
 * has, all or none; `discard` removes `from` once the files replaced are back (never while it holds
 * the only copy of one). Returns the names removed.
 */
function replaceFiles(from: string, to: string, remove: readonly string[], discard: () => void): string[] {
  const backup = join(from, ".previous");
  mkdirSync(backup);
  const names = readdirSync(from).filter((n) => n !== ".previous");
  const gone = remove.filter((n) => !names.includes(n) && existsSync(join(to, n)));
  const replaced: string[] = [];
  try {
    for (const name of names) {
      if (!statSync(join(from, name)).isFile())
        throw new Error(`staged ${name} is a folder; only files are staged`);
    }
    for (const name of names) {
      const old = join(to, name);
      if (existsSync(old)) keepCopy(old, join(backup, name));
      renameSync(join(from, name), old);
      replaced.push(name);
    }
    for (const name of gone) {
      keepCopy(join(to, name), join(backup, name));
      unlinkSync(join(to, name));
      replaced.push(name);
    }
  } catch (error) {
    const lost: string[] = [];
    for (const name of replaced) {
      const kept = join(backup, name);
      try {
        if (existsSync(kept)) renameSync(kept, join(to, name));
        else rmSync(join(to, name), { force: true });
      } catch {
        lost.push(name);
      }
    }
    if (lost.length > 0) {
      throw new CliError(
        `writing into ${to} failed (${(error as Error).message}) and ${lost.join(", ")} could not be put back; their earlier versions are in ${backup}.`,
        { exitCode: ExitCode.failed, cause: error },
      );
    }
    discard();
    throw new CliError(
      `cannot write into ${to}: ${(error as Error).message}; its files were left as they were. Fix the cause, then train again.`,
      { exitCode: ExitCode.failed, cause: error },
    );
  }
  return gone;
}

/** A second name for `path` (a hard link: no copy of a large index), or a copy where links are not allowed. */
function keepCopy(path: string, copy: string): void {
  try {
    linkSync(path, copy);
  } catch {
    copyFileSync(path, copy);
  }
}
