import { constants } from "node:fs";
import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Copies files from one folder to another, as copy-on-write clones where the file system makes
 * them (Btrfs, XFS, APFS, ZFS: `COPYFILE_FICLONE`, no data written until either side changes),
 * else as plain copies (ext4, tmpfs, other disks): the copies never share their data with the
 * originals, so writing one never changes the other. Hard links would spare the copy everywhere,
 * but share the file: a candidate's file rewritten in place would change the installed package
 * (and, under pnpm, every project linking the same store file). One file at a time, awaited: a
 * signal handler (Ctrl-C) runs between two files, and `stopped` (read before each file) ends the
 * copying there, with no copy under way. Returns whether every file was copied.
 *
 * `CATENA_TEST_CLONE_PAUSE_MS` pauses that long before each file: a test of an interruption
 * needs the copying to last (a copy-on-write clone of 48 MB takes a millisecond).
 *
 * @example
 * await cloneFiles("node_modules/@catena/chains/artifacts/banking-intents", stage.dir, ["classifier.catena"]);
 */
export async function cloneFiles(
  from: string,
  to: string,
  names: readonly string[],
  stopped: () => boolean = () => false,
): Promise<boolean> {
  const pause = Number(process.env.CATENA_TEST_CLONE_PAUSE_MS ?? 0);
  for (const name of names) {
    if (pause > 0) await sleep(pause);
    if (stopped()) return false;
    await copyFile(join(from, name), join(to, name), constants.COPYFILE_FICLONE);
  }
  return !stopped();
}
