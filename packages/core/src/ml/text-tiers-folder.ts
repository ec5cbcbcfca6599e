/*
 * An artifacts folder of a text cascade's learned tiers:
 *   manifest.json     content hashes of the trained tiers (the chain's fingerprint names them)
 *   thresholds.json   the cascade's calibrated thresholds (written by calibration)
 *   classifier.catena, embedder.catena, index.catena   the trained tiers
 * Loading checks each file's hash against the manifest, so a chain never runs other weights than
 * its fingerprint names. The manifest's `format` names the chain the folder belongs to.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ArtifactError } from "../errors/ml-errors.ts";
import { artifactHash } from "./artifact-file.ts";
import { loadTextClassifier } from "./load-text-classifier.ts";
import { LocalEmbedder } from "./local-embedder.ts";
import type { TextTiers } from "./text-tiers.ts";
import { VectorIndex } from "./vector-index.ts";

/** What `manifest.json` records of the trained tiers; `format` names whose folder it is. */
export interface TextTiersManifest<F extends string = string> {
  format: F;
  classifier: { file: string; contentHash: string; labels: number };
  embedder: { file: string; contentHash: string; id: string; dimension: number };
  index: { file: string; contentHash: string; dimension: number; size: number };
}

/** How a folder's messages name it: the manifest format it must have, and the command that rebuilds it. */
export interface TextTiersFolderKind<F extends string = string> {
  /** The manifest's `format`, e.g. `catena.banking-intents.v1`. */
  format: F;
  /** The command that (re)builds the folder, as messages give it: `` `catena train tickets --out <dir>` ``. */
  rebuild: string;
}

const FILES = {
  classifier: "classifier.catena",
  embedder: "embedder.catena",
  index: "index.catena",
} as const;

/** Path of a file of a text tiers' artifacts folder. */
export function textTierPath(dir: string, name: keyof typeof FILES | "manifest" | "thresholds"): string {
  if (name === "manifest") return join(dir, "manifest.json");
  if (name === "thresholds") return join(dir, "thresholds.json");
  return join(dir, FILES[name]);
}

/**
 * Saves the trained tiers and the manifest that names their hashes. Each file is written beside
 * its place and renamed into it, so that a concurrent reader never sees half a file; a manifest
 * with the same text is left alone (its mtime is what build stamps and `catena calibrate` read).
 */
export function saveTextTiers<F extends string>(
  dir: string,
  tiers: TextTiers,
  format: F,
): TextTiersManifest<F> {
  mkdirSync(dir, { recursive: true });
  const saved = (name: keyof typeof FILES, save: (path: string) => string): string => {
    const path = textTierPath(dir, name);
    const tmp = `${path}.${process.pid}.tmp`;
    const hash = save(tmp);
    renameSync(tmp, path);
    return hash;
  };
  const manifest: TextTiersManifest<F> = {
    format,
    classifier: {
      file: FILES.classifier,
      contentHash: saved("classifier", (p) => tiers.classifier.save(p)),
      labels: tiers.classifier.labels.length,
    },
    embedder: {
      file: FILES.embedder,
      contentHash: saved("embedder", (p) => tiers.embedder.save(p)),
      id: tiers.embedder.id,
      dimension: tiers.embedder.dimension,
    },
    index: {
      file: FILES.index,
      contentHash: saved("index", (p) => tiers.index.save(p)),
      dimension: tiers.index.dimension,
      size: tiers.index.size,
    },
  };
  const path = textTierPath(dir, "manifest");
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  if (!existsSync(path) || readFileSync(path, "utf8") !== text) writeFileSync(path, text);
  return manifest;
}

/** The files {@link saveTextTiers} writes into `dir`: the three tiers and the manifest. */
export function textTiersFiles(dir: string): string[] {
  return (["classifier", "embedder", "index", "manifest"] as const).map((n) => textTierPath(dir, n));
}

/** Reads `manifest.json`; an `ArtifactError` naming the fix when it is missing, malformed or of another kind. */
export function readTextTiersManifest<F extends string>(
  dir: string,
  kind: TextTiersFolderKind<F>,
): TextTiersManifest<F> {
  const path = textTierPath(dir, "manifest");
  let manifest: Partial<TextTiersManifest>;
  try {
    manifest = JSON.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new ArtifactError(
      `Cannot read ${path}: ${(cause as Error).message}; build the artifacts with ${kind.rebuild}.`,
      {
        cause,
        details: { path },
      },
    );
  }
  if (manifest.format !== kind.format || !manifest.classifier || !manifest.embedder || !manifest.index) {
    throw new ArtifactError(
      `${path} is not a manifest of format ${kind.format}; rebuild the artifacts with ${kind.rebuild}.`,
      {
        details: { path, format: manifest.format },
      },
    );
  }
  return manifest as TextTiersManifest<F>;
}

/** True when every binary a manifest names is present in the folder. */
export function hasTextTiers(dir: string): boolean {
  return Object.values(FILES).every((f) => existsSync(join(dir, f)));
}

/** Removes the trained tiers' binaries (not the manifest or thresholds). */
export function removeTextTiers(dir: string): void {
  for (const f of Object.values(FILES)) rmSync(join(dir, f), { force: true });
}

/**
 * Loads the trained tiers and checks each against the manifest's hash: a mismatch means the files
 * were trained on other data or settings than the chain's fingerprint records.
 */
export function loadTextTiers(
  dir: string,
  manifest: TextTiersManifest,
  kind: TextTiersFolderKind,
): TextTiers {
  const classifier = loadTextClassifier(textTierPath(dir, "classifier"));
  const embedder = LocalEmbedder.load(textTierPath(dir, "embedder"));
  const index = VectorIndex.load(textTierPath(dir, "index"));
  const found = {
    classifier: classifier.contentHash,
    embedder: artifactHash(embedder.toArtifact()),
    index: index.contentHash,
  };
  for (const name of ["classifier", "embedder", "index"] as const) {
    if (found[name] !== manifest[name].contentHash) {
      throw new ArtifactError(
        `${textTierPath(dir, name)} has content hash ${found[name].slice(0, 16)}… but ${textTierPath(dir, "manifest")} expects ${manifest[name].contentHash.slice(0, 16)}…; rebuild with ${kind.rebuild}, or retrain and bump the chain's version.`,
        {
          details: {
            file: textTierPath(dir, name),
            found: found[name],
            expected: manifest[name].contentHash,
          },
        },
      );
    }
  }
  return { classifier, embedder, index };
}
