// Compiles the WebAssembly kernels (src/ml/wasm/*.wat) into src/ml/wasm/*-wasm.ts (their bytes as
// base64) with wabt from npm, so that the committed modules are reproducible from the committed text.
// Run: node packages/core/scripts/build-wasm.ts   (--check fails when a committed module is stale)
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { compileKernel, KERNELS } from "../src/ml/wasm/compile-wat.ts";

let stale = false;
for (const name of KERNELS) {
  const target = fileURLToPath(new URL(`../src/ml/wasm/${name}-wasm.ts`, import.meta.url));
  const source = await compileKernel(name);
  if (process.argv.includes("--check")) {
    let current = "";
    try {
      current = readFileSync(target, "utf8");
    } catch {}
    if (current !== source) {
      console.error(`${target} is stale: run node packages/core/scripts/build-wasm.ts`);
      stale = true;
    }
  } else {
    writeFileSync(target, source);
    console.log(`wrote ${target}`);
  }
}
if (stale) process.exit(1);
