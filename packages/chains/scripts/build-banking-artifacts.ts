// Builds the banking-intents artifacts (classifier, embedder, kNN index) from data/banking77 into
// artifacts/banking-intents/, plus the split as CSV files (artifacts/banking-intents/split/) for
// `catena train`, `catena calibrate` and `catena eval`. Skips the work when the built files already
// match manifest.json. Deterministic: the same data give the same bytes.
// Run: pnpm --filter @catena/chains build:artifacts [--force] [--check] [--calibrate]
//   --force      rebuild even when up to date
//   --check      build into a temporary folder and fail unless every file is byte-identical to
//                the committed manifest's hashes and to the files already built here
//   --calibrate  also choose the thresholds on dev at 97% target precision (rewrites
//                thresholds.json: the chain's fingerprint changes, bump its version)
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { calibrate, writeThresholds } from "@catena/core/ml";
import {
  artifactPath,
  BANKING_ARTIFACTS_DIR,
  hasBankingModels,
  loadBankingModels,
  readBankingManifest,
} from "../src/banking-intents/banking-artifacts.ts";
import { bankingSplit } from "../src/banking-intents/banking-data.ts";
import { buildBankingArtifacts } from "../src/banking-intents/build-banking-artifacts.ts";
import { createBankingIntents } from "../src/banking-intents/chain.ts";
import { llmCostPerQueryUsd } from "../src/banking-intents/llm-cost.ts";

const args = new Set(process.argv.slice(2));
const dir = BANKING_ARTIFACTS_DIR;
const say = (text: string): void => void process.stderr.write(`build:artifacts: ${text}\n`);

function upToDate(): boolean {
  if (!hasBankingModels(dir)) return false;
  try {
    loadBankingModels(dir);
    return true;
  } catch {
    return false;
  }
}

function writeSplit(): void {
  const { train, dev } = bankingSplit();
  const quote = (s: string): string => `"${s.replaceAll('"', '""')}"`;
  const csv = (rows: typeof train): string =>
    `text,label\n${rows.map((r) => `${quote(r.text)},${quote(r.label)}`).join("\n")}\n`;
  mkdirSync(join(dir, "split"), { recursive: true });
  writeIfChanged(join(dir, "split", "train.csv"), csv(train));
  writeIfChanged(join(dir, "split", "dev.csv"), csv(dev));
}

/**
 * Writes only when the content differs: a fresh mtime on every build would make scripts/bootstrap.sh
 * see a change and rebuild everything on the next run (it also ignores split/, git-ignored output).
 */
function writeIfChanged(path: string, text: string): void {
  if (existsSync(path) && readFileSync(path, "utf8") === text) return;
  writeFileSync(path, text);
}

if (args.has("--check")) {
  const tmp = mkdtempSync(join(tmpdir(), "catena-banking-"));
  try {
    const started = performance.now();
    const built = await buildBankingArtifacts(tmp);
    const committed = readBankingManifest(dir);
    const problems: string[] = [];
    for (const name of ["classifier", "embedder", "index"] as const) {
      if (built[name].contentHash !== committed[name].contentHash)
        problems.push(`${name}: hash ${built[name].contentHash} ≠ manifest ${committed[name].contentHash}`);
      else if (
        hasBankingModels(dir) &&
        !readFileSync(artifactPath(tmp, name)).equals(readFileSync(artifactPath(dir, name)))
      )
        problems.push(`${name}: same hash but other bytes than ${artifactPath(dir, name)}`);
    }
    if (problems.length > 0) {
      say(`NOT reproducible:\n  ${problems.join("\n  ")}`);
      process.exitCode = 1;
    } else {
      say(
        `reproducible: a fresh build matches manifest.json byte for byte (${((performance.now() - started) / 1000).toFixed(1)} s)`,
      );
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
} else {
  if (args.has("--force") || !upToDate()) {
    const started = performance.now();
    say(`training the classifier and building the kNN index into ${dir} ...`);
    await buildBankingArtifacts(dir);
    say(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } else {
    say("up to date (the built files match manifest.json)");
  }
  writeSplit();
  if (args.has("--calibrate")) {
    const { dev } = bankingSplit();
    const chain = createBankingIntents();
    const result = await calibrate(
      chain,
      dev.map((e) => ({ input: { text: e.text }, label: e.label })),
      { targetPrecision: 0.97, llmCostPerItemUsd: llmCostPerQueryUsd() },
    );
    writeThresholds(artifactPath(dir, "thresholds"), result);
    say(
      `thresholds: ${JSON.stringify(result.thresholds)}; cheap tiers cover ${(result.accepted.coverage * 100).toFixed(1)}% at ${((result.accepted.precision ?? 0) * 100).toFixed(1)}% precision`,
    );
  }
}
