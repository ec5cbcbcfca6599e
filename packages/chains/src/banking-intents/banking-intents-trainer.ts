import type { AnyChain } from "@catena/core";
import { type TrainableChain, textTiersFiles, VersionNotTrainableError } from "@catena/core/ml";
import { artifactPath, BANKING_ARTIFACTS_DIR, saveBankingModels } from "./banking-artifacts.ts";
import { bankingSplit, readBankingCsv } from "./banking-data.ts";
import { bankingIntents, bankingIntentsOptionsOf, createBankingIntents } from "./chain.ts";
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
  split: () => bankingSplit(),
  async train(train, { dev, outDir, onProgress }) {
    const { models, report } = await trainBankingModels(train, {
      dev,
      ...(onProgress ? { onProgress } : {}),
    });
    saveBankingModels(outDir, models);
    return { report, files: textTiersFiles(outDir) };
  },
  chainFor: (dir, options = {}) =>
    (dir === undefined || dir === BANKING_ARTIFACTS_DIR) && options.version === undefined
      ? bankingIntents
      : createBankingIntents({
          artifactsDir: dir ?? BANKING_ARTIFACTS_DIR,
          ...(options.version === undefined ? {} : { version: options.version }),
        }),
  withoutLlm(chain: AnyChain): AnyChain {
    const options = bankingIntentsOptionsOf(chain);
    if (options === undefined) {
      throw new VersionNotTrainableError(
        `${chain.id} was not made by createBankingIntents, so its cheap tiers cannot be measured apart from its LLM tier. Define the current version with createBankingIntents({ artifactsDir, version }) (as the candidates' chain.mjs does), or train from a version that was.`,
        { details: { chain: chain.id } },
      );
    }
    return createBankingIntents({ ...options, version: chain.version, withoutLlm: true });
  },
  chainModule(_dir, version) {
    // The folder is the module's own (it reads its location), so that the folder can move. The absolute URL of this very package: the module must load the same createBankingIntents as
    // the CLI that reads it, wherever the candidate folder lives.
    const entry = import.meta.resolve("@catena/chains");
    return [
      "// A candidate version of banking-intents written by `catena train --from-traces`: the chain",
      "// defined over the artifacts in this folder. Load it with --chains, or list it in catena.config.json.",
      'import { fileURLToPath } from "node:url";',
      `import { createBankingIntents } from ${JSON.stringify(entry)};`,
      "",
      "export const candidate = createBankingIntents({",
      '  artifactsDir: fileURLToPath(new URL(".", import.meta.url)),',
      `  version: ${JSON.stringify(version)},`,
      "});",
      "",
    ].join("\n");
  },
  thresholdsPath: (dir) => artifactPath(dir ?? BANKING_ARTIFACTS_DIR, "thresholds"),
  llmCostPerItemUsd: () => llmCostPerQueryUsd(),
};
