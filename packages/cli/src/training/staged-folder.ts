import { randomBytes } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { CliError } from "../cli-error.ts";
import { ExitCode } from "../exit-codes.ts";

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
   * its namesake by a rename and the target's other files stay. Should a rename fail, the files
   * already replaced are put back and the staged folder is removed. Returns the target.
   */
  commit(): string;
  /** Removes the staged folder and its files (after a failure or an interruption). */
  discard(): void;
}

/** Makes the staging folder for `target` (and `target`'s parents). */
export function stageFolder(target: string): StagedFolder {
  mkdirSync(dirname(target), { recursive: true });
  // Made with the usual mode (mkdtemp's is owner-only), which the folder keeps once renamed.
  const dir = join(
    dirname(target),
    `.${basename(target)}.staged-${process.pid}-${randomBytes(4).toString("hex")}`,
  );
  mkdirSync(dir);
  const discard = (): void => rmSync(dir, { recursive: true, force: true });
  let committed = false;
  return {
    dir,
    target,
    get committed() {
      return committed;
    },
    discard,
    commit(): string {
      committed = true;
      if (!existsSync(target)) {
        renameSync(dir, target);
        return target;
      }
      replaceFiles(dir, target, discard);
      discard();
      return target;
    },
  };
}

/**
 * Moves the files of `from` over their namesakes in `to`, all or none; `discard` removes `from`
 * once the files replaced are back (never while it holds the only copy of one).
 */
function replaceFiles(from: string, to: string, discard: () => void): void {
  const backup = join(from, ".previous");
  mkdirSync(backup);
  const names = readdirSync(from).filter((n) => n !== ".previous");
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
}

/** A second name for `path` (a hard link: no copy of a large index), or a copy where links are not allowed. */
function keepCopy(path: string, copy: string): void {
  try {
    linkSync(path, copy);
  } catch {
    copyFileSync(path, copy);
  }
}
