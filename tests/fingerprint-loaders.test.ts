/*
 * A chain's fingerprint must not depend on how its code was loaded: the built-in chains, the
 * examples and core's fixture chain are loaded four ways, each in its own process, and must
 * fingerprint alike. Each loader prints function source differently (see
 * packages/core/src/versioning/function-source.ts):
 * - node --conditions=@catena/source: Node's type stripping (types become spaces);
 * - node: the built dist/ of @catena/core and @catena/chains (made by the same type stripping);
 * - the same, with zod and xstate loaded from the CLI's bundles of them, as `catena` loads them
 *   (packages/cli/bin/dependency-bundles.js): the schemas' JSON Schema is part of a fingerprint;
 * - tsx: esbuild, whitespace minified, names kept with `__name`, `void 0`, `2e3`, `.95`;
 * - vitest with its default configuration: Vite's module runner (oxc, imports read through
 *   `__vite_ssr_import_N__`, `;` after blocks, quotes and numbers reprinted).
 * None of them may warn that a built-in chain's code step reads undeclared names.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..");
const fixtures = join(here, "fixtures", "fingerprints");
const printer = join(fixtures, "print-fingerprints.ts");
const scratch = mkdtempSync(join(tmpdir(), "catena-fingerprints-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

type Seen = Record<string, { fingerprint: string; spec: unknown }>;

/** The environment of a child that must not believe it runs inside this vitest worker. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const key of Object.keys(env)) {
    if (key.startsWith("VITEST") || key === "NODE_OPTIONS" || key === "TEST") delete env[key];
  }
  return env;
}

async function loadWith(command: string, args: string[]): Promise<{ seen: Seen; stderr: string }> {
  const { stdout, stderr } = await run(command, args, { cwd: root, env: childEnv(), maxBuffer: 64 << 20 });
  return { seen: JSON.parse(stdout) as Seen, stderr };
}

const quiet = "--disable-warning=ExperimentalWarning";
const tsx = createRequire(join(root, "package.json")).resolve("tsx/cli");
const vitest = join(
  dirname(createRequire(join(root, "package.json")).resolve("vitest/package.json")),
  "vitest.mjs",
);

// Registers the redirects to the CLI's dependency bundles before the printer loads, as the bin does.
const dependencyBundles = `data:text/javascript,${encodeURIComponent(
  `import { useDependencyBundles } from ${JSON.stringify(
    pathToFileURL(join(root, "packages/cli/bin/dependency-bundles.js")).href,
  )}; useDependencyBundles();`,
)}`;

const loaders: Record<string, () => Promise<{ seen: Seen; stderr: string }>> = {
  "node (type stripping)": () => loadWith(process.execPath, [quiet, "--conditions=@catena/source", printer]),
  "node (built dist)": () => loadWith(process.execPath, [quiet, printer]),
  "node (built dist, the CLI's zod and xstate bundles)": () =>
    loadWith(process.execPath, [quiet, `--import=${dependencyBundles}`, printer]),
  tsx: () => loadWith(process.execPath, [tsx, "--conditions=@catena/source", printer]),
  "vitest (default module runner)": async () => {
    const out = join(scratch, "vitest.json");
    const { stderr } = await run(process.execPath, [vitest, "run", "--config", "vitest.config.ts"], {
      cwd: fixtures,
      env: childEnv({ FINGERPRINTS_OUT: out }),
      maxBuffer: 64 << 20,
    });
    return { seen: JSON.parse(readFileSync(out, "utf8")) as Seen, stderr };
  },
};

describe("chain fingerprints across loaders", () => {
  it("are the same under node's type stripping, the built dist, tsx and vitest's module runner, without warnings", {
    timeout: 180_000,
  }, async () => {
    // One at a time: four processes at once would crowd a small machine past the timeout.
    const results: Record<string, { seen: Seen; stderr: string }> = {};
    for (const [name, load] of Object.entries(loaders)) results[name] = await load();
    const [reference, ...others] = Object.entries(results);
    if (reference === undefined) throw new Error("no loader ran");
    const [referenceName, { seen: expected }] = reference;
    expect(Object.keys(expected).sort()).toEqual([
      "banking-intents",
      "feedback-sentiment",
      "fingerprint-fixture",
      "reply-by-language",
      "sql-qa",
      "support-triage",
    ]);
    for (const [name, { seen, stderr }] of [reference, ...others]) {
      expect(stderr, `${name} warned`).not.toMatch(/CATENA_UNDECLARED_READS/);
      if (name === referenceName) continue;
      // Specs first: on a mismatch the diff shows which function printed differently.
      for (const chain of Object.keys(expected)) {
        expect(seen[chain]?.spec, `${chain} under ${name} vs ${referenceName}`).toEqual(
          expected[chain]?.spec,
        );
      }
      const fingerprints = (s: Seen) =>
        Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v.fingerprint]));
      expect(fingerprints(seen), name).toEqual(fingerprints(expected));
    }
  });
});
