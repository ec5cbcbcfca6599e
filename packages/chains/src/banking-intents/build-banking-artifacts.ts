/*
 * Builds the banking-intents artifacts from the bundled Banking77 copy: the one recipe shared by
 * `pnpm --filter @catena/chains build:artifacts` and the build on first use.
 */

import { type BankingManifest, saveBankingModels } from "./banking-artifacts.ts";
import { bankingSplit } from "./banking-data.ts";
import { type TrainBankingModelsOptions, trainBankingModels } from "./train-banking-models.ts";

/**
 * Trains the tiers on the fixed train split (temperature fitted on dev) and saves them with their
 * manifest into `dir`. Deterministic: the same data give the same bytes.
 *
 * @example
 * await buildBankingArtifacts(BANKING_ARTIFACTS_DIR);
 */
export async function buildBankingArtifacts(
  dir: string,
  options: Pick<TrainBankingModelsOptions, "onProgress"> = {},
): Promise<BankingManifest> {
  const { train, dev } = bankingSplit();
  const { models } = await trainBankingModels(train, { dev, ...options });
  return saveBankingModels(dir, models);
}
