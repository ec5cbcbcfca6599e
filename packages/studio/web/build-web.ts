/*
 * Builds the studio's web page into dist/web/: the Preact app bundled and minified by esbuild into
 * one app.js (no CDN, no code loaded at run time), with index.html and app.css beside it (page.css's
 * style sheets in one file, as the studio serves only these two). Run by the package build after
 * the server code: node web/build-web.ts
 */
import { copyFileSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const web = import.meta.dirname;
const out = join(web, "..", "dist", "web");
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(web, "src", "main.tsx")],
  outfile: join(out, "app.js"),
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2022",
  jsx: "automatic",
  jsxImportSource: "preact",
  legalComments: "none",
  logLevel: "warning",
});
// Not minified, as it always was: read in the browser's tools as written.
await build({
  entryPoints: [join(web, "page.css")],
  outfile: join(out, "app.css"),
  bundle: true,
  logLevel: "warning",
});
copyFileSync(join(web, "index.html"), join(out, "index.html"));
const size = (name: string) => {
  const bytes = statSync(join(out, name)).size;
  const gz = gzipSync(readFileSync(join(out, name))).length;
  return `${name} ${(bytes / 1024).toFixed(1)} KiB (${(gz / 1024).toFixed(1)} KiB gzipped)`;
};
process.stdout.write(`studio web page: ${size("app.js")}, ${size("app.css")}\n`);
