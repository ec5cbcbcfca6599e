import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import type { AnyChain } from "@catena/core";
import type { TrainableChain } from "@catena/core/ml";
import { shortFingerprint } from "../format/short-fingerprint.ts";
import { candidateVersion } from "./candidate-manifest.ts";

/** What an artifacts folder given with `--artifacts` holds, as `catena calibrate` reports it. */
export interface ArtifactsFolder {
  /** The chain defined over the folder, declaring the folder's version when it names one. */
  chain: AnyChain;
  /** The version a candidate folder declares; undefined for a folder `catena train --out` wrote. */
  version: string | undefined;
  /** When the folder's weights were written: its `manifest.json`'s time, which changes only with new weights. */
  trainedAt: string | undefined;
}

/**
 * The chain over an artifacts folder, and what the folder is: a folder `catena train --out` wrote
 * is no version of the chain (a chain defined over it would say the current version's number, which
 * it is not), while a candidate (of `catena train` or `catena train --from-traces`) declares its
 * version in `candidate.json` beside its `chain.mjs` (see {@link candidateVersion}: a malformed
 * candidate is a `CandidateFolderError`). `shown` names the folder in messages.
 */
export async function artifactsFolder(
  trainable: TrainableChain,
  dir: string,
  shown: string = dir,
): Promise<ArtifactsFolder> {
  const version = await candidateVersion(dir, trainable.name, shown);
  const manifest = join(dir, "manifest.json");
  const trainedAt = existsSync(manifest) ? statSync(manifest).mtime.toISOString() : undefined;
  return {
    chain: trainable.chainFor(dir, version === undefined ? {} : { version }),
    version,
    trainedAt,
  };
}

/**
 * How a report names the chain it worked on: its id for the chain's own folder, else the folder,
 * with its version when it declares one, its fingerprint, and when its weights were written.
 */
export function artifactsFolderText(
  chain: AnyChain,
  folder: { shown: string; version: string | undefined; trainedAt: string | undefined } | undefined,
): string {
  if (folder === undefined) return chain.id;
  const what = folder.version === undefined ? chain.name : `${chain.name}@${folder.version}`;
  const trained =
    folder.trainedAt === undefined ? "" : `, trained ${folder.trainedAt.slice(0, 16).replace("T", " ")} UTC`;
  return `${what} artifacts in ${folder.shown} (fingerprint ${shortFingerprint(chain.fingerprint)}${trained})`;
}
