/*
 * The artifacts folder of the banking-intents chain:
 *   manifest.json     content hashes of the trained tiers (committed: the chain's fingerprint)
 *   thresholds.json   the cascade's calibrated thresholds (committed: also fingerprinted)
 *   classifier.catena, embedder.catena, index.catena   the trained tiers (~20 MB, built, not committed)
 * The binaries are rebuilt from the data by `pnpm --filter @catena/chains build:artifacts` (part of
 * `pnpm build`), or on first use; loading checks their hashes against the manifest, so a chain never
 * runs other weights than its fingerprint names.
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  hasTextTiers,
  loadTextTiers,
  readTextTiersManifest,
  removeTextTiers,
  saveTextTiers,
  type TextTiersFolderKind,
  type TextTiersManifest,
  textTierPath,
} from "@catena/core/ml";
import type { BankingModels } from "./train-banking-models.ts";

/** Where the chain's artifacts live in this package. */
export const BANKING_ARTIFACTS_DIR: string = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../../artifacts/banking-intents",
);

/** What `manifest.json` records of the trained tiers. */
export type BankingManifest = TextTiersManifest<"catena.banking-intents.v1">;

/** The banking folder's manifest format, and how its messages say to rebuild it. */
export const BANKING_FOLDER: TextTiersFolderKind<"catena.banking-intents.v1"> = {
  format: "catena.banking-intents.v1",
  rebuild: "`pnpm --filter @catena/chains build:artifacts` (or `catena train banking-intents --out <dir>`)",
};

/** {@link BANKING_FOLDER} with the rebuild command naming the folder `dir` itself, as messages about it say. */
export function bankingFolderKind(dir: string): TextTiersFolderKind<"catena.banking-intents.v1"> {
  return {
    format: BANKING_FOLDER.format,
    rebuild: `\`pnpm --filter @catena/chains build:artifacts\` (or \`catena train banking-intents --out ${dir}\`)`,
  };
}

/** Path of a file of an artifacts folder. */
export const artifactPath: typeof textTierPath = textTierPath;

/**
 * Saves the trained tiers and the manifest that names their hashes (see `saveTextTiers`: the
 * manifest is tracked, and rewriting the same text would give it a fresh mtime after
 * scripts/bootstrap.sh took its build stamp, so that the next run of the main job rebuilt everything).
 */
export function saveBankingModels(dir: string, models: BankingModels): BankingManifest {
  return saveTextTiers(dir, models, BANKING_FOLDER.format);
}

/** Reads `manifest.json`; an `ArtifactError` naming the fix when it is missing or malformed. */
export function readBankingManifest(dir: string): BankingManifest {
  return readTextTiersManifest(dir, bankingFolderKind(dir));
}

/** True when every binary the manifest names is present in the folder. */
export const hasBankingModels: (dir: string) => boolean = hasTextTiers;

/**
 * Loads the trained tiers and checks each against the manifest's hash: a mismatch means the files
 * were trained on other data or settings than the chain's fingerprint records.
 */
export function loadBankingModels(
  dir: string,
  manifest: BankingManifest = readBankingManifest(dir),
): BankingModels {
  return loadTextTiers(dir, manifest, bankingFolderKind(dir));
}

/** Removes the built binaries (not the manifest or thresholds). */
export const removeBankingModels: (dir: string) => void = removeTextTiers;
