/*
 * The tests' staleness check (tests/support/ensure-built.ts) rebuilds the packages only for an edit
 * to a file that goes into the build: editing a test, a type test or a fixture rebuilt everything
 * (minutes on a busy machine) for a dist that would come out the same.
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildReason } from "./support/ensure-built.ts";

let root: string;
const PACKAGES = [{ dir: "packages/core", built: "dist/index.js", alsoFrom: ["web"] }];
const BUILT_AT = new Date("2026-01-01T12:00:00Z");
const LATER = new Date("2026-01-01T13:00:00Z");

/** Writes a file of the fake package, dated `at`. */
function file(path: string, at: Date): void {
  const full = join(root, "packages/core", path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, "export {};\n");
  utimesSync(full, at, at);
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "catena-ensure-built-"));
  file("src/index.ts", new Date("2026-01-01T11:00:00Z"));
  file("dist/index.js", BUILT_AT);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("buildReason", () => {
  it("is undefined when dist is newer than every source", () => {
    expect(buildReason(root, PACKAGES)).toBeUndefined();
  });

  it.each([
    "src/index.test.ts",
    "src/flows/flows.test-d.ts",
    "src/flows/flow.case.ts",
    "src/versioning/fixtures/chain-module.ts",
    "src/types.d.ts",
    "src/ml/wasm/kernels.wat",
  ])("ignores an edit to %s, which is not built", (path) => {
    file(path, LATER);
    expect(buildReason(root, PACKAGES)).toBeUndefined();
  });

  it.each(["src/index.ts", "src/flows/sequence.ts", "web/app.css"])("rebuilds for an edit to %s", (path) => {
    file(path, LATER);
    expect(buildReason(root, PACKAGES)).toBe("packages/core changed since the last build");
  });

  it("rebuilds when dist is missing", () => {
    rmSync(join(root, "packages/core/dist"), { recursive: true });
    expect(buildReason(root, PACKAGES)).toBe("packages/core/dist/index.js is missing");
  });
});
