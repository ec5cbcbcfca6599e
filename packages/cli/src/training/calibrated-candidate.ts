import { readdirSync, statSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { ChainRegistry } from "@catena/core";
import { type CalibrationResult, type TrainableChain, writeThresholds } from "@catena/core/ml";
import type { CommandContext } from "../command-context.ts";
import { displayPath } from "../format/display-path.ts";
import { CANDIDATE_MANIFEST, CANDIDATE_MODULE, candidateManifestText } from "./candidate-manifest.ts";
import { CANDIDATES_DIR, candidateVersionFor } from "./candidate-version.ts";
import { cloneFiles } from "./cloned-files.ts";
import { exitInterrupted, listenForInterrupt } from "./interrupt-listener.ts";
import { type StagedFolder, stageFolder } from "./staged-folder.ts";

/** Thrown to leave the copying for the clean-up when a signal came. */
const INTERRUPTED = new Error("interrupted");

/** A candidate version, as `catena calibrate` and `catena train` report it. */
export interface WrittenCandidate {
  id: string;
  version: string;
  dir: string;
  module: string;
}

/**
 * Writes a candidate version of the installed chain with new thresholds: the installed artifacts'
 * files (copies, cloned where the file system can, see `cloneFiles`: the candidate must not change
 * when the package is updated), `result`'s thresholds, the chain module and its manifest, staged
 * beside the folder and put in place whole (a candidate folder is never merged into: see
 * `stageFolder`). Ctrl-C or SIGTERM while it is staged removes the staged folder (exit 130 or
 * 143), as `catena train` does: no half-copied candidate is left behind.
 */
export async function writeCalibratedCandidate(
  ctx: CommandContext,
  registry: ChainRegistry,
  trainable: TrainableChain,
  result: CalibrationResult,
): Promise<WrittenCandidate> {
  const cwd = ctx.io.cwd;
  const { version } = await candidateVersionFor(cwd, registry, trainable.name);
  const dir = resolve(cwd, CANDIDATES_DIR, `${trainable.name}@${version}`);
  const shown = displayPath(cwd, dir);
  let stage: StagedFolder | undefined;
  // The handler only notes the signal: removing the folder while a file is being copied into it
  // would fail (ENOTEMPTY) or leave it. The copying stops between two files, and then it goes.
  const interrupt = listenForInterrupt(() => {});
  try {
    stage = stageFolder(dir, { exclusive: true, shown });
    const thresholds = basename(trainable.thresholdsPath(trainable.artifactsDir));
    const names = readdirSync(trainable.artifactsDir).filter(
      (name) => name !== thresholds && statSync(join(trainable.artifactsDir, name)).isFile(),
    );
    const copied = await cloneFiles(
      trainable.artifactsDir,
      stage.dir,
      names,
      () => interrupt.signal !== undefined,
    );
    if (!copied) throw INTERRUPTED;
    writeThresholds(trainable.thresholdsPath(stage.dir), result);
    writeFileSync(join(stage.dir, CANDIDATE_MODULE), trainable.chainModule(dir, version));
    writeFileSync(join(stage.dir, CANDIDATE_MANIFEST), candidateManifestText(trainable.name, version));
    // Synchronous from the last copy to here: a signal that comes meanwhile could run its listener
    // only after they are gone, so the command ends with the whole folder, or (a signal before)
    // with nothing written, never half of it.
    stage.commit();
  } catch (error) {
    // A failed commit has removed the staged folder itself.
    if (stage !== undefined && !stage.committed) stage.discard();
    if (interrupt.signal !== undefined) {
      exitInterrupted(ctx, interrupt.signal, `; nothing was written to ${shown}`);
    }
    throw error;
  } finally {
    interrupt.stop();
  }
  return { id: `${trainable.name}@${version}`, version, dir, module: join(dir, CANDIDATE_MODULE) };
}
