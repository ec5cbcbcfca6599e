/*
 * `build:artifacts` (run by every `pnpm build`) must leave tracked files alone when nothing changed:
 * scripts/bootstrap.sh rebuilds when any file under packages/ is newer than its build stamp, so a
 * file rewritten by the build itself made every second run of the main job rebuild everything.
 */
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import {
  BANKING_ARTIFACTS_DIR,
  loadBankingModels,
  saveBankingModels,
} from "../packages/chains/src/banking-intents/banking-artifacts.ts";
import { repoRoot } from "./support/ensure-built.ts";

const chains = join(repoRoot, "packages/chains");
const split = ["train.csv", "dev.csv"].map((f) => join(chains, "artifacts/banking-intents/split", f));

describe("build:artifacts", () => {
  it("does not rewrite the split files (or anything else) when they are up to date", async () => {
    const args = ["--conditions=@catena/source", "--disable-warning=ExperimentalWarning"];
    const script = "scripts/build-banking-artifacts.ts";
    // The first run brings everything up to date; the second must then touch nothing.
    await promisify(execFile)(process.execPath, [...args, script], { cwd: chains });
    const before = split.map((f) => statSync(f).mtimeMs);
    const { stderr } = await promisify(execFile)(process.execPath, [...args, script], { cwd: chains });
    expect(stderr).toContain("up to date");
    expect(split.map((f) => statSync(f).mtimeMs)).toEqual(before);
  }, 120_000);

  it("leaves the tracked manifest.json alone when the models it names are saved again (a fresh clone's first build)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "catena-banking-manifest-"));
    try {
      const manifest = join(dir, "manifest.json");
      copyFileSync(join(BANKING_ARTIFACTS_DIR, "manifest.json"), manifest);
      const past = new Date(Date.now() - 3_600_000);
      utimesSync(manifest, past, past);
      const before = readFileSync(manifest, "utf8");
      saveBankingModels(dir, loadBankingModels(BANKING_ARTIFACTS_DIR));
      expect(readFileSync(manifest, "utf8")).toBe(before);
      expect(Math.round(statSync(manifest).mtimeMs)).toBe(past.getTime());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
