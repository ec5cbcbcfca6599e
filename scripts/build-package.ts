/*
 * Builds one workspace package: JavaScript by Node's own type stripping (types become spaces, so
 * every function keeps its source text token for token), declarations by tsc. Chain fingerprints
 * hash function source, so a chain must fingerprint the same from the TypeScript sources (tests,
 * user modules run with `node`) as from the built package (the CLI); tsc's emit reprints code
 * (drops trailing commas and redundant parentheses) and would give other fingerprints.
 *
 * Run from a package directory: node ../../scripts/build-package.ts
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire, stripTypeScriptTypes } from "node:module";
import { dirname, join, relative } from "node:path";
import { buildSources } from "./build-sources.ts";

const pkg = process.cwd();
const src = join(pkg, "src");
const dist = join(pkg, "dist");

// Relative specifiers of static imports, re-exports and dynamic imports: `./x.ts` -> `./x.js`.
const RELATIVE_TS = /((?:\bfrom|\bimport)\s*\(?\s*["'])(\.{1,2}\/[^"']+?)\.ts(["'])/g;

rmSync(dist, { recursive: true, force: true });
for (const file of buildSources(src)) {
  const out = join(dist, relative(src, file)).replace(/\.ts$/, ".js");
  mkdirSync(dirname(out), { recursive: true });
  const code = stripTypeScriptTypes(readFileSync(file, "utf8"), { mode: "strip" });
  writeFileSync(out, code.replace(RELATIVE_TS, "$1$2.js$3"));
}
const tsc = createRequire(join(pkg, "package.json")).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json", "--emitDeclarationOnly"], {
  cwd: pkg,
  stdio: "inherit",
});
