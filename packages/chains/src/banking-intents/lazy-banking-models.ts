/*
 * The trained tiers as the chain sees them (see `LazyTextTiers`): stand-ins that carry the
 * manifest's hashes from the start (so defining the chain, listing it or computing its fingerprint
 * reads no 20 MB of weights) and load the real artifacts on first use, building the package's own
 * folder first when it has none.
 */
import { LazyTextTiers } from "@catena/core/ml";
import { BANKING_ARTIFACTS_DIR, type BankingManifest, bankingFolderKind } from "./banking-artifacts.ts";
import { buildBankingArtifacts } from "./build-banking-artifacts.ts";
import { INTENTS } from "./intents.ts";

/**
 * Lazily loaded classifier, embedder and index of an artifacts folder. Call `ready` before the
 * synchronous `predict`/`search` (the chain's first step does): the package's own folder is built
 * first when its binaries are missing (about 10 s of CPU, once).
 */
export class LazyBankingModels extends LazyTextTiers {
  constructor(dir: string, manifest: BankingManifest) {
    super(dir, manifest, {
      labels: INTENTS,
      kind: bankingFolderKind(dir),
      ...(dir === BANKING_ARTIFACTS_DIR
        ? {
            build: async (into: string) => {
              await buildBankingArtifacts(into);
            },
          }
        : {}),
    });
  }
}
