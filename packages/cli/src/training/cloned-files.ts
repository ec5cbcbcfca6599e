import { constants } from "node:fs";
import { copyFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * Copies files from one folder to another, as copy-on-write clones where the file system makes
 * them (Btrfs, XFS, APFS, ZFS: `COPYFILE_FICLONE`, no data written until either side changes),
 * else as plain copies (ext4, tmpfs, other disks): the copies never share their data with the
 * originals, so writing one never changes the other. Hard links would spare the copy everywhere,
 * but share the file: a candidate's file rewritten in place would change the installed package
 * (and, under pnpm, every project linking the same store file). One file at a time, awaited: a
 * signal handler (Ctrl-C) runs between two files.
 *
 * @example
 * await cloneFiles("node_modules/@catena/chains/artifacts/banking-intents", stage.dir, ["classifier.catena"]);
 */
export async function cloneFiles(from: string, to: string, names: readonly string[]): Promise<void> {
  for (const name of names) await copyFile(join(from, name), join(to, name), constants.COPYFILE_FICLONE);
}
