import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";

/** Standard input copied to a temporary file, and how to delete it. */
export interface SpooledStdin {
  /** The temporary file, named `stdin.<ext>` so its format is known. */
  path: string;
  /** Deletes the file and its directory. */
  dispose(): Promise<void>;
}

/**
 * Copies standard input to a temporary file: a batch reads its input several times (the digest a
 * resume checks, the item count for the progress bar, the items, the lines of failed items), and a
 * pipe can be read only once. The copy is streamed, so a large input costs disk, not memory.
 *
 * @example
 * const spool = await spoolStdin(process.stdin, "jsonl");
 * try { await runOn(spool.path); } finally { await spool.dispose(); }
 */
export async function spoolStdin(stdin: NodeJS.ReadableStream, ext: string): Promise<SpooledStdin> {
  const dir = await mkdtemp(join(tmpdir(), "catena-stdin-"));
  const path = join(dir, `stdin.${ext}`);
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    await pipeline(stdin, createWriteStream(path));
  } catch (error) {
    await dispose();
    throw error;
  }
  return { path, dispose };
}
