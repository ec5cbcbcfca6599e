/*
 * `build:artifacts` (run by every `pnpm build`) must leave tracked files alone when nothing changed:
 * scripts/bootstrap.sh rebuilds when any file under packages/ is newer than its build stamp, so a
 * file rewritten by the build itself made every second run of the main job rebuild everything.
 */
import { execFile } from "node:child_process";
import { statSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
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
});
