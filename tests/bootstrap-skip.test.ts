/*
 * scripts/bootstrap.sh skips `pnpm build` when nothing it reads changed since the last good build.
 * On a fresh clone the first build *creates* the banking artifacts (git-ignored outputs: *.catena,
 * split/*.csv) after the build stamp is taken, so they must not count as changes: otherwise the
 * second run of the main job rebuilds everything. The script runs here on a tiny stand-in checkout
 * with a stand-in `pnpm` that records its calls, so no real install or build happens.
 */
import { execFile } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "./support/ensure-built.ts";

const root = mkdtempSync(join(tmpdir(), "catena-bootstrap-"));
const calls = join(root, "pnpm-calls.txt");
const bin = join(root, "bin");
const artifacts = join(root, "packages/chains/artifacts/banking-intents");

function write(path: string, text = ""): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** Sets every given file's mtime to `seconds` ago. */
function age(seconds: number, ...paths: string[]): void {
  const when = new Date(Date.now() - seconds * 1000);
  for (const p of paths) utimesSync(p, when, when);
}

async function bootstrap(): Promise<{ stderr: string; pnpm: string[] }> {
  writeFileSync(calls, "");
  const { stderr } = await promisify(execFile)("bash", [join(root, "scripts/bootstrap.sh")], {
    env: { PATH: `${bin}:/usr/bin:/bin`, HOME: root },
  });
  return { stderr, pnpm: readFileSync(calls, "utf8").split("\n").filter(Boolean) };
}

beforeAll(() => {
  mkdirSync(join(root, "scripts"), { recursive: true });
  copyFileSync(join(repoRoot, "scripts/bootstrap.sh"), join(root, "scripts/bootstrap.sh"));
  // A Node >= 22.12 (this one) and a pnpm 10 that only records what it was asked to do.
  mkdirSync(bin);
  write(join(bin, "node"), `#!/bin/sh\nexec "${process.execPath}" "$@"\n`);
  write(
    join(bin, "pnpm"),
    `#!/bin/sh\n[ "$1" = --version ] && { echo 10.0.0; exit 0; }\necho "$*" >> "${calls}"\n`,
  );
  chmodSync(join(bin, "node"), 0o755);
  chmodSync(join(bin, "pnpm"), 0o755);
  const inputs = [
    join(root, "package.json"),
    join(root, "pnpm-lock.yaml"),
    join(root, "pnpm-workspace.yaml"),
    join(root, "tsconfig.base.json"),
    join(root, "packages/chains/package.json"),
    join(root, "packages/chains/src/index.ts"),
    join(root, "packages/chains/dist/index.js"),
  ];
  for (const p of inputs) write(p, p.endsWith("package.json") ? '{"scripts":{"build":"x"}}' : "");
  write(join(root, "node_modules/.catena-install-stamp"));
  write(join(root, "node_modules/.catena-build-stamp"));
  age(3600, ...inputs);
  age(60, join(root, "node_modules/.catena-install-stamp"), join(root, "node_modules/.catena-build-stamp"));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("scripts/bootstrap.sh", () => {
  it("skips the build when only the build's own outputs (banking artifacts, split CSVs) are newer than its stamp", async () => {
    // What the first build of a fresh clone leaves behind, written after the stamp was taken.
    write(join(artifacts, "classifier.catena"), "model");
    write(join(artifacts, "index.catena.tmp"), "partial");
    write(join(artifacts, "split/train.csv"), "text,label\n");
    write(join(artifacts, "split/dev.csv"), "text,label\n");
    const { stderr, pnpm } = await bootstrap();
    expect(stderr).toContain("packages up to date (build skipped)");
    expect(pnpm).toEqual([]);
  });

  it("still builds when a source file changed", async () => {
    write(join(root, "packages/chains/src/index.ts"), "export {};\n");
    const { stderr, pnpm } = await bootstrap();
    expect(stderr).toContain("building packages");
    expect(pnpm.some((c) => c.includes("build"))).toBe(true);
  });
});
