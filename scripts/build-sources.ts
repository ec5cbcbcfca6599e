/*
 * Which files of a package's src/ go into its build, for the build (scripts/build-package.ts) and
 * for the tests' staleness check (tests/support/ensure-built.ts) alike: an edit to a test, a type
 * test or a fixture changes nothing in dist/, so it must not make the tests rebuild.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";

/** Test files beside the code: tests, type tests (`*.test-d.ts`, checked by tsc) and test cases. */
const TEST_FILE = /\.(test|test-d|case)\.ts$/;

/**
 * Whether a file, by its path inside src/, goes into the build: a TypeScript module, not a
 * declaration file, not a test of any kind, and not under a `fixtures` folder.
 *
 * @example
 * isBuildSource("ml/read-labelled-jsonl.ts"); // true
 * isBuildSource("ml/read-labelled-file.test-d.ts"); // false
 */
export function isBuildSource(pathInSrc: string): boolean {
  const parts = pathInSrc.split(/[\\/]/);
  const name = parts.at(-1) ?? "";
  if (parts.slice(0, -1).includes("fixtures")) return false;
  return name.endsWith(".ts") && !name.endsWith(".d.ts") && !TEST_FILE.test(name);
}

/** The absolute paths of the files under `src` that go into the build (see {@link isBuildSource}). */
export function buildSources(src: string, under = ""): string[] {
  return readdirSync(join(src, under), { withFileTypes: true }).flatMap((entry) => {
    const path = under === "" ? entry.name : `${under}/${entry.name}`;
    if (entry.isDirectory()) return entry.name === "fixtures" ? [] : buildSources(src, path);
    return isBuildSource(path) ? [join(src, path)] : [];
  });
}
