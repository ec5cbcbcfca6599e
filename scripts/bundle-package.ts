/*
 * Bundles a built workspace package's own modules into dist/bundle/, split into chunks: an entry
 * that loads ~80 of the package's modules loads ~10 files instead. At start-up, Node's module loader
 * (resolving, reading, linking each file) costs more than a short command's work: about half the
 * CPU time of `catena run support-triage`.
 *
 * Entries: every export of package.json whose `import` is `./dist/bundle/<name>.js` (built from the
 * dist file of its `@catena/source` path), and `<name>=<path under dist>` arguments (the CLI's
 * `main`). Run from the package folder after its build:
 *
 *   node ../../scripts/bundle-package.ts [main=main.js] [--inline=commander]
 *
 * What stays as in the unbundled dist:
 * - other packages, the workspace's and npm's, are imported by name as before, resolved by Node from
 *   the same package folder: one copy of each in a process (the `catena` bin loads zod and xstate
 *   from bundles of their own, scripts/bundle-dependencies.ts, still one copy each). `--inline=<name>`
 *   bundles a package that only this package imports (the CLI's commander);
 * - `import.meta.url` in a bundled module still names its own file in dist/ (data files, workers and
 *   `createRequire` resolve from there);
 * - the code is the built dist's (Node's type stripping), reprinted by esbuild, which turns top-level
 *   classes into `var K = class`. Chain fingerprints hash function source, so a package whose
 *   functions chains use as steps or deps (@catena/chains) is not bundled; tests/fingerprint-loaders
 *   checks that the built-in chains, the examples and core's fixture chain fingerprint alike.
 *
 * `dist/bundle/meta.json` maps each output file to the dist modules in it (esbuild's metafile).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative, sep } from "node:path";
import type * as Esbuild from "esbuild";
import type { Plugin } from "esbuild";

const pkg = process.cwd();
const dist = join(pkg, "dist");
const outdir = join(dist, "bundle");
// esbuild is a dev dependency of the packages bundled (this script lives outside them).
const { build } = createRequire(join(pkg, "package.json"))("esbuild") as typeof Esbuild;

const args = process.argv.slice(2);
const inline = args.filter((a) => a.startsWith("--inline=")).map((a) => a.slice("--inline=".length));

/** Entry name (its file in dist/bundle/) -> built module in dist/. */
function entries(): Record<string, string> {
  const out: Record<string, string> = {};
  const manifest = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")) as {
    exports?: Record<string, { "@catena/source"?: string; import?: string }>;
  };
  for (const target of Object.values(manifest.exports ?? {})) {
    const name = /^\.\/dist\/bundle\/([\w-]+)\.js$/.exec(target.import ?? "")?.[1];
    const source = /^\.\/src\/(.+)\.ts$/.exec(target["@catena/source"] ?? "")?.[1];
    if (name === undefined) continue;
    if (source === undefined) throw new Error(`export ${target.import} has no @catena/source path`);
    out[name] = join(dist, `${source}.js`);
  }
  for (const arg of args.filter((a) => !a.startsWith("--"))) {
    const [name, path] = arg.split("=");
    if (!name || !path) throw new Error(`expected <name>=<path under dist>, got "${arg}"`);
    out[name] = join(dist, path);
  }
  if (Object.keys(out).length === 0) throw new Error("nothing to bundle: no ./dist/bundle/ export, no entry");
  return out;
}

/** Every bare import stays external (Node resolves it as it did), except the `--inline` packages. */
const externalPackages: Plugin = {
  name: "external-packages",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (a) => {
      const inlined = inline.some((name) => a.path === name || a.path.startsWith(`${name}/`));
      return inlined ? undefined : { path: a.path, external: true };
    });
  },
};

/** A path from the bundle's folder, as a relative URL. */
function fromBundle(path: string): string {
  return relative(outdir, path).split(sep).join("/");
}

/** `import.meta.url` in a bundled module keeps naming the module's own file in dist/. */
const ownUrl: Plugin = {
  name: "own-import-meta-url",
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, async (a) => {
      const code = await readFile(a.path, "utf8");
      if (!code.includes("import.meta")) return { contents: code, loader: "js" };
      const other = /import\.meta\.(?:dirname|filename|resolve)\b/.exec(code);
      if (other !== null)
        throw new Error(`${a.path}: bundled modules may use import.meta.url only, not ${other[0]}`);
      const url = `new URL(${JSON.stringify(fromBundle(a.path))}, import.meta.url).href`;
      return { contents: code.replaceAll("import.meta.url", url), loader: "js", resolveDir: dirname(a.path) };
    });
  },
};

const result = await build({
  entryPoints: entries(),
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node22",
  // Node's resolution for an inlined package: `import` and `node` conditions, no bundler-only `module`.
  conditions: [],
  mainFields: ["main"],
  // All output in one folder, so that one relative URL per module (see ownUrl) holds in every chunk.
  chunkNames: "[name]-[hash]",
  plugins: [externalPackages, ownUrl],
  // An inlined CommonJS package (commander) requires Node's built-ins.
  banner:
    inline.length === 0
      ? {}
      : {
          js: 'import { createRequire as __bundleRequire } from "node:module"; const require = __bundleRequire(import.meta.url);',
        },
  logLevel: "warning",
  metafile: true,
});
const meta: Record<string, string[]> = {};
for (const [output, info] of Object.entries(result.metafile.outputs)) {
  const file = join(pkg, output);
  if (dirname(file) !== outdir) throw new Error(`bundle output ${output} is not directly in ${outdir}`);
  meta[fromBundle(file)] = Object.keys(info.inputs).map((input) => relative(dist, join(pkg, input)));
}
writeFileSync(join(outdir, "meta.json"), `${JSON.stringify(meta, null, 1)}\n`);
