/*
 * The artifacts folder of the banking-intents chain:
 *   manifest.json     content hashes of the trained tiers (committed: the chain's fingerprint)
 *   thresholds.json   the cascade's calibrated thresholds (committed: also fingerprinted)
 *   classifier.catena, embedder.catena, index.catena   the trained tiers (~20 MB, built, not committed)
 * The binaries are rebuilt from the data by `pnpm --filter @catena/chains build:artifacts` (part of
 * `pnpm build`), or on first use; loading checks their hashes against the manifest, so a chain never
 * runs other weights than its fingerprint names.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ArtifactError, artifactHash, LocalEmbedder, loadTextClassifier, VectorIndex } from "@catena/core/ml";
import type { BankingModels } from "./train-banking-models.ts";

/** Where the chain's artifacts live in this package. */
export const BANKING_ARTIFACTS_DIR: string = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../../artifacts/banking-intents",
);

/** What `manifest.json` records of the trained tiers. */
export interface BankingManifest {
  format: "catena.banking-intents.v1";
  classifier: { file: string; contentHash: string; labels: number };
  embedder: { file: string; contentHash: string; id: string; dimension: number };
  index: { file: string; contentHash: string; dimension: number; size: number };
}

const FILES = {
  classifier: "classifier.catena",
  embedder: "embedder.catena",
  index: "index.catena",
} as const;

/** Path of a file of an artifacts folder. */
export function artifactPath(dir: string, name: keyof typeof FILES | "manifest" | "thresholds"): string {
  if (name === "manifest") return join(dir, "manifest.json");
  if (name === "thresholds") return join(dir, "thresholds.json");
  return join(dir, FILES[name]);
}

/**
 * Saves the trained tiers and the manifest that names their hashes. Each file is written beside
 * its place and renamed into it, so that a concurrent reader never sees half a file.
 */
export function saveBankingModels(dir: string, models: BankingModels): BankingManifest {
  mkdirSync(dir, { recursive: true });
  const saved = (name: keyof typeof FILES, save: (path: string) => string): string => {
    const path = artifactPath(dir, name);
    const tmp = `${path}.${process.pid}.tmp`;
    const hash = save(tmp);
    renameSync(tmp, path);
    return hash;
  };
  const manifest: BankingManifest = {
    format: "catena.banking-intents.v1",
    classifier: {
      file: FILES.classifier,
      contentHash: saved("classifier", (p) => models.classifier.save(p)),
      labels: models.classifier.labels.length,
    },
    embedder: {
      file: FILES.embedder,
      contentHash: saved("embedder", (p) => models.embedder.save(p)),
      id: models.embedder.id,
      dimension: models.embedder.dimension,
    },
    index: {
      file: FILES.index,
      contentHash: saved("index", (p) => models.index.save(p)),
      dimension: models.index.dimension,
      size: models.index.size,
    },
  };
  // manifest.json is tracked: rewriting the same text gives it a fresh mtime after scripts/bootstrap.sh
  // took its build stamp, and the next run of the main job would rebuild everything.
  const path = artifactPath(dir, "manifest");
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  if (!existsSync(path) || readFileSync(path, "utf8") !== text) writeFileSync(path, text);
  return manifest;
}

/** Reads `manifest.json`; an `ArtifactError` naming the fix when it is missing or malformed. */
export function readBankingManifest(dir: string): BankingManifest {
  const path = artifactPath(dir, "manifest");
  let manifest: Partial<BankingManifest>;
  try {
    manifest = JSON.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new ArtifactError(
      `Cannot read ${path}: ${(cause as Error).message}; build the artifacts with \`pnpm --filter @catena/chains build:artifacts\` (or \`catena train banking-intents --out ${dir}\`).`,
      { cause, details: { path } },
    );
  }
  if (
    manifest.format !== "catena.banking-intents.v1" ||
    !manifest.classifier ||
    !manifest.embedder ||
    !manifest.index
  ) {
    throw new ArtifactError(
      `${path} is not a banking-intents manifest (format catena.banking-intents.v1); rebuild the artifacts.`,
      {
        details: { path, format: manifest.format },
      },
    );
  }
  return manifest as BankingManifest;
}

/** True when every binary the manifest names is present in the folder. */
export function hasBankingModels(dir: string): boolean {
  return Object.values(FILES).every((f) => existsSync(join(dir, f)));
}

/**
 * Loads the trained tiers and checks each against the manifest's hash: a mismatch means the files
 * were trained on other data or settings than the chain's fingerprint records.
 */
export function loadBankingModels(
  dir: string,
  manifest: BankingManifest = readBankingManifest(dir),
): BankingModels {
  const classifier = loadTextClassifier(artifactPath(dir, "classifier"));
  const embedder = LocalEmbedder.load(artifactPath(dir, "embedder"));
  const index = VectorIndex.load(artifactPath(dir, "index"));
  const found = {
    classifier: classifier.contentHash,
    embedder: artifactHash(embedder.toArtifact()),
    index: index.contentHash,
  };
  for (const name of ["classifier", "embedder", "index"] as const) {
    if (found[name] !== manifest[name].contentHash) {
      throw new ArtifactError(
        `${artifactPath(dir, name)} has content hash ${found[name].slice(0, 16)}… but ${artifactPath(dir, "manifest")} expects ${manifest[name].contentHash.slice(0, 16)}…; rebuild with \`pnpm --filter @catena/chains build:artifacts\`, or retrain and bump the chain's version.`,
        {
          details: {
            file: artifactPath(dir, name),
            found: found[name],
            expected: manifest[name].contentHash,
          },
        },
      );
    }
  }
  return { classifier, embedder, index };
}

/** Removes the built binaries (not the manifest or thresholds). */
export function removeBankingModels(dir: string): void {
  for (const f of Object.values(FILES)) rmSync(join(dir, f), { force: true });
}
