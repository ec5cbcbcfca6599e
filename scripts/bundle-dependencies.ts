/*
 * Bundles npm packages the `catena` command loads at every start (zod: ~95 files, 60 of them
 * locales; xstate: 8 CommonJS files behind an ESM wrapper) into a few files each, under
 * dist/deps/<name>/, and writes dist/deps/redirects.json: which file of the installed package each
 * bundled entry stands for. `bin/dependency-bundles.js` redirects Node's resolution of exactly those
 * files to the bundle, for every importer in the process (core, the chains, a user's chain module),
 * so that there is still one copy of each package. Node's loader costs ~0.5 ms per file at
 * start-up (resolving, reading, linking), more than zod's code takes to run.
 *
 * Run from the package folder after its build, naming the package to resolve the dependencies from
 * (the one that imports them) and the dependencies:
 *
 *   node ../../scripts/bundle-dependencies.ts --from=../core zod xstate
 *
 * Every export of the dependency's package.json is an entry (one bundle with shared chunks, so an
 * entry that re-exports another's code shares its instance); wildcard exports (`./v4/locales/*`)
 * are not redirected and load the installed files, as modules of their own. The key of each entry
 * is the file Node's `import` resolves to (conditions `import`, `node`, `default`); the bundled
 * source is the package's ESM build for bundlers when it has one (the `module` condition: xstate's
 * `xstate.esm.js` beside the CommonJS build its `import` wraps), the same code as an ES module.
 * Names are kept (`keepNames`) and nothing is dropped (no tree shaking, side-effect annotations
 * ignored), so that functions and classes are named and modules run as in the installed files. A
 * dependency that imports another package or reads `import.meta` cannot move and fails the build.
 */
import { mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import type * as Esbuild from "esbuild";
import type { Plugin } from "esbuild";

const pkg = process.cwd();
const outdir = join(pkg, "dist", "deps");
// esbuild is a dev dependency of the packages bundled (this script lives outside them).
const { build, transform } = createRequire(join(pkg, "package.json"))("esbuild") as typeof Esbuild;

const args = process.argv.slice(2);
const from = resolve(pkg, args.find((a) => a.startsWith("--from="))?.slice("--from=".length) ?? ".");
const names = args.filter((a) => !a.startsWith("--"));
if (names.length === 0)
  throw new Error("name the dependencies to bundle: bundle-dependencies.ts --from=<pkg> zod");

type Exports = string | null | { [key: string]: Exports } | Exports[];

/** The target of one export under `conditions`, in the order its keys are written (Node's rule). */
function target(value: Exports, conditions: ReadonlySet<string>): string | undefined {
  if (typeof value === "string") return value;
  if (value === null || Array.isArray(value)) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    if (!conditions.has(key)) continue;
    const found = target(inner, conditions);
    if (found !== undefined) return found;
  }
  return undefined;
}

const NODE_IMPORT = new Set(["import", "node", "default"]);
const BUNDLER_ESM = new Set(["module", "import", "node", "default"]);

/** What the bin reads: per dependency, its folder and version, and entry file -> bundle file. */
interface Redirects {
  [name: string]: { package: string; version: string; entries: Record<string, string> };
}

/** A path from dist/deps/, as a relative URL. */
function fromDeps(path: string): string {
  return relative(outdir, path).split(sep).join("/");
}

/** Fails the build on anything that would resolve differently from the bundle's folder. */
const selfContained: Plugin = {
  name: "self-contained",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (a) =>
      a.path.startsWith("node:")
        ? { path: a.path, external: true }
        : { errors: [{ text: `imports the package "${a.path}": only self-contained packages are bundled` }] },
    );
    b.onLoad({ filter: /\.[cm]?js$/ }, (a) => {
      const code = readFileSync(a.path, "utf8");
      if (code.includes("import.meta")) return { errors: [{ text: `${a.path} reads import.meta` }] };
      return { contents: code, loader: "js" };
    });
  },
};

/**
 * Escapes the non-ASCII characters esbuild leaves in comments (its output escapes them in code): a
 * file of ASCII only is read by Node's fast path into a one-byte string, about half the time and
 * memory of decoding UTF-8 (~2 ms for zod's locale messages). Fails unless the file, comments
 * dropped, reads the same to esbuild before and after (so only comments changed).
 */
async function asciiOnly(file: string): Promise<void> {
  const text = readFileSync(file, "utf8");
  const escaped = text.replace(/[^\p{ASCII}]/gu, (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`);
  if (escaped === text) return;
  const code = async (js: string) =>
    (await transform(js, { loader: "js", format: "esm", minifyWhitespace: true, charset: "ascii" })).code;
  if ((await code(escaped)) !== (await code(text)))
    throw new Error(`${file}: a non-ASCII character outside a comment`);
  writeFileSync(file, escaped);
}

rmSync(outdir, { recursive: true, force: true });
const redirects: Redirects = {};
for (const name of names) {
  const dir = dirname(
    realpathSync(createRequire(join(from, "package.json")).resolve(`${name}/package.json`)),
  );
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
    version: string;
    exports?: Record<string, Exports>;
  };
  const entryPoints: Record<string, string> = {};
  const entries: Record<string, string> = {};
  for (const [key, value] of Object.entries(manifest.exports ?? {})) {
    if (key.includes("*") || key.endsWith(".json")) continue;
    const runtime = target(value, NODE_IMPORT);
    const esm = target(value, BUNDLER_ESM);
    if (runtime === undefined || esm === undefined) continue;
    const entry = key === "." ? "index" : key.slice(2).replaceAll("/", "_");
    entryPoints[entry] = join(dir, esm);
    entries[relative(dir, join(dir, runtime)).split(sep).join("/")] = `${name}/${entry}.js`;
  }
  if (Object.keys(entryPoints).length === 0) throw new Error(`${name}: no export to bundle in ${dir}`);
  await build({
    entryPoints,
    outdir: join(outdir, name),
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node22",
    chunkNames: "chunk-[hash]",
    keepNames: true,
    treeShaking: false,
    ignoreAnnotations: true,
    plugins: [selfContained],
    logLevel: "warning",
  });
  for (const file of readdirSync(join(outdir, name))) await asciiOnly(join(outdir, name, file));
  redirects[name] = { package: fromDeps(dir), version: manifest.version, entries };
}
mkdirSync(outdir, { recursive: true });
writeFileSync(join(outdir, "redirects.json"), `${JSON.stringify(redirects, null, 1)}\n`);
