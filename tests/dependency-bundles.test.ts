/*
 * The bin's dependency bundles (packages/cli/bin/dependency-bundles.js): an import of a package
 * entry that redirects.json lists loads the bundle instead, for every importer, and anything that
 * does not fit (another installed version, a missing bundle, no redirects.json, a file that is no
 * listed entry) loads as installed. A made-up package in a temporary folder, imported in a child
 * process as a user's chain module would import it: by name, from two modules.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { repoRoot } from "./support/ensure-built.ts";

const bin = pathToFileURL(join(repoRoot, "packages/cli/bin/dependency-bundles.js")).href;
let dir: string;

function write(path: string, text: string): void {
  mkdirSync(join(dir, path, ".."), { recursive: true });
  writeFileSync(join(dir, path), text);
}

/** A project whose two modules import `dep` by name, and a bundle of `dep`'s entry beside it. */
function setUp(options: { installed?: string; bundled?: string; bundle?: boolean } = {}): void {
  write("package.json", JSON.stringify({ type: "module" }));
  write(
    "node_modules/dep/package.json",
    JSON.stringify({
      name: "dep",
      version: options.installed ?? "1.0.0",
      type: "module",
      exports: { ".": "./index.js", "./other": "./other.js" },
    }),
  );
  write("node_modules/dep/index.js", 'export const from = "installed"; export const one = {};\n');
  write("node_modules/dep/other.js", 'export const from = "installed";\n');
  if (options.bundle !== false)
    write("deps/dep/index.js", 'export const from = "bundle"; export const one = {};\n');
  write(
    "deps/redirects.json",
    JSON.stringify({
      dep: {
        package: "../node_modules/dep",
        version: options.bundled ?? "1.0.0",
        entries: { "index.js": "dep/index.js" },
      },
    }),
  );
  write("a.js", 'export { from, one } from "dep";\n');
  write("b.js", 'export { one } from "dep";\nexport { from as other } from "dep/other";\n');
  write(
    "main.js",
    'import { from, one } from "./a.js";\nimport { one as again, other } from "./b.js";\n' +
      "console.log(JSON.stringify({ from, other, same: one === again }));\n",
  );
}

/** Runs main.js with the redirects of `deps/` (or none) registered first, as the bin does. */
async function run(withBundles = true): Promise<{ from: string; other: string; same: boolean }> {
  const deps = pathToFileURL(join(dir, "deps/")).href;
  const register = `import { useDependencyBundles } from ${JSON.stringify(bin)}; useDependencyBundles(new URL(${JSON.stringify(deps)}));`;
  const args = withBundles ? [`--import=data:text/javascript,${encodeURIComponent(register)}`] : [];
  const { stdout } = await promisify(execFile)(process.execPath, [...args, "main.js"], {
    cwd: dir,
    env: { ...process.env, NODE_OPTIONS: "" },
  });
  return JSON.parse(stdout) as { from: string; other: string; same: boolean };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "catena-dependency-bundles-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("dependency bundles", () => {
  it("load the listed entry from its bundle, one instance for every importer; other files as installed", async () => {
    setUp();
    expect(await run()).toEqual({ from: "bundle", other: "installed", same: true });
    expect(await run(false)).toEqual({ from: "installed", other: "installed", same: true });
  });

  it("load as installed when the installed version is not the one bundled", async () => {
    setUp({ installed: "1.0.1" });
    expect(await run()).toEqual({ from: "installed", other: "installed", same: true });
  });

  it("load as installed when the bundle is missing", async () => {
    setUp({ bundle: false });
    expect(await run()).toEqual({ from: "installed", other: "installed", same: true });
  });

  it("change nothing without redirects.json", async () => {
    setUp();
    rmSync(join(dir, "deps/redirects.json"));
    expect(await run()).toEqual({ from: "installed", other: "installed", same: true });
  });
});
