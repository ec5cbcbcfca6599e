import type { TrainableChain } from "@catena/core/ml";
import { artifactPath, BANKING_ARTIFACTS_DIR, saveBankingModels } from "./banking-artifacts.ts";
import { readBankingCsv } from "./banking-data.ts";
import { bankingIntents, createBankingIntents } from "./chain.ts";
import { INTENTS } from "./intents.ts";
import { llmCostPerQueryUsd } from "./llm-cost.ts";
import { trainBankingModels } from "./train-banking-models.ts";

/**
 * The banking-intents chain as a trainable chain: `catena train banking-intents --data train.csv`
 * retrains the classifier and the kNN index (writing a new manifest), `catena calibrate` rewrites
 * thresholds.json. Either changes the chain's fingerprint: bump its version.
 */
export const bankingIntentsTrainer: TrainableChain = {
  name: "banking-intents",
  labels: INTENTS,
  artifactsDir: BANKING_ARTIFACTS_DIR,
  readData: (path) => readBankingCsv(path),
  async train(train, { dev, outDir, onProgress }) {
    const { models, report } = await trainBankingModels(train, {
      dev,
      ...(onProgress ? { onProgress } : {}),
    });
    saveBankingModels(outDir, models);
    const files = (["classifier", "embedder", "index", "manifest"] as const).map((n) =>
      artifactPath(outDir, n),
    );
    return { report, files };
  },
  chainFor: (dir) =>
    dir === undefined || dir === BANKING_ARTIFACTS_DIR
      ? bankingIntents
      : createBankingIntents({ artifactsDir: dir }),
  thresholdsPath: (dir) => artifactPath(dir ?? BANKING_ARTIFACTS_DIR, "thresholds"),
  llmCostPerItemUsd: () => llmCostPerQueryUsd(),
};
