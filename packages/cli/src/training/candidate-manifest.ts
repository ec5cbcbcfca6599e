import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { CatenaError } from "@catena/core";
import { collectChains } from "../chains/collect-chains.ts";

/** The file beside a candidate's `chain.mjs` that says which chain and version the folder is. */
export const CANDIDATE_MANIFEST = "candidate.json";

/** The candidate's chain module, in its folder. */
export const CANDIDATE_MODULE = "chain.mjs";

/** What `candidate.json` holds. */
export interface CandidateManifest {
  catena: "candidate";
  format: 1;
  /** The chain it is a version of. */
  chain: string;
  /** The version its `chain.mjs` declares. */
  version: string;
  /** Its chain module, relative to the folder. */
  module: typeof CANDIDATE_MODULE;
}

/**
 * A candidate folder that cannot be read as one: its `candidate.json` is not the manifest `catena
 * train` writes, names another chain, or (in a folder written before manifests) its `chain.mjs`
 * does not load or exports no version of the chain. The message names the folder and the fix.
 */
export class CandidateFolderError extends CatenaError<"CANDIDATE_INVALID"> {}

/** The text of `candidate.json` for `chain` at `version`. */
export function candidateManifestText(chain: string, version: string): string {
  const manifest: CandidateManifest = {
    catena: "candidate",
    format: 1,
    chain,
    version,
    module: CANDIDATE_MODULE,
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/**
 * The version of `chain` that the candidate folder `dir` declares: from its `candidate.json`; in a
 * folder written before those, from the chain its `chain.mjs` exports (the module is imported, its
 * text never parsed). Undefined for a folder that is no candidate (neither file: weights `catena
 * train --out` wrote). A malformed one is a {@link CandidateFolderError}; `shown` names the folder.
 */
export async function candidateVersion(
  dir: string,
  chain: string,
  shown: string,
): Promise<string | undefined> {
  const manifestPath = join(dir, CANDIDATE_MANIFEST);
  const modulePath = join(dir, CANDIDATE_MODULE);
  const fix = `write the candidate again (catena train ${chain} --from-traces, or catena train ${chain} --data <file>), or point at another folder`;
  if (existsSync(manifestPath)) return manifestVersion(manifestPath, chain, shown, fix);
  if (!existsSync(modulePath)) return undefined;
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
  } catch (cause) {
    throw new CandidateFolderError(
      "CANDIDATE_INVALID",
      `${shown}/${CANDIDATE_MODULE} does not load (${(cause as Error).message}), so the candidate's version is unknown; ${fix}.`,
      { cause, details: { dir, chain } },
    );
  }
  const versions = collectChains(namespace)
    .filter((c) => c.name === chain)
    .map((c) => c.version);
  if (versions.length !== 1) {
    throw new CandidateFolderError(
      "CANDIDATE_INVALID",
      `${shown}/${CANDIDATE_MODULE} exports ${versions.length === 0 ? "no version" : `${versions.length} versions`} of ${chain}, so the candidate's version is unknown; ${fix}.`,
      { details: { dir, chain, versions } },
    );
  }
  return versions[0];
}

function manifestVersion(path: string, chain: string, shown: string, fix: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new CandidateFolderError(
      "CANDIDATE_INVALID",
      `${shown}/${CANDIDATE_MANIFEST} is not valid JSON (${(cause as Error).message}); ${fix}.`,
      { cause, details: { path, chain } },
    );
  }
  const m = (typeof parsed === "object" && parsed !== null ? parsed : {}) as Partial<Record<string, unknown>>;
  const problem =
    m.catena !== "candidate" || m.format !== 1
      ? 'it is no candidate manifest (no "catena": "candidate", "format": 1)'
      : typeof m.version !== "string" || !/^\d+\.\d+\.\d+/.test(m.version)
        ? `its "version" is ${JSON.stringify(m.version)}, not a version like 1.0.1`
        : m.chain !== chain
          ? `it is a candidate of ${JSON.stringify(m.chain)}, not of ${chain}`
          : undefined;
  if (problem !== undefined) {
    throw new CandidateFolderError(
      "CANDIDATE_INVALID",
      `${shown}/${CANDIDATE_MANIFEST}: ${problem}; ${fix}.`,
      {
        details: { path, chain },
      },
    );
  }
  return m.version as string;
}
