// Turns the kernels' WebAssembly text files into the TypeScript modules that embed their bytes
// (used by packages/core/scripts/build-wasm.ts and by kernels.test.ts; wabt is a dev dependency).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import wabtInit from "wabt";

/** The kernel sources under src/ml/wasm/, each compiled to `<name>-wasm.ts` exporting `<NAME>_WASM_BASE64`. */
export const KERNELS = ["dot-kernels", "sgd-kernels"] as const;

/** Compiles `src/ml/wasm/<name>.wat` and returns the source text of `<name>-wasm.ts`. */
export async function compileKernel(name: (typeof KERNELS)[number]): Promise<string> {
  const watPath = fileURLToPath(new URL(`./${name}.wat`, import.meta.url));
  const wabt = await wabtInit();
  const features = { simd: true, threads: true };
  const module = wabt.parseWat(`${name}.wat`, readFileSync(watPath, "utf8"), features);
  // wabt's typings omit validate's features argument; without it shared memories are refused.
  (module.validate as (features: object) => void)(features);
  const { buffer } = module.toBinary({ log: false, write_debug_names: false });
  module.destroy();
  const base64 = Buffer.from(buffer).toString("base64");
  const lines = base64.match(/.{1,100}/g) ?? [];
  const constant = `${name.toUpperCase().replace(/-/g, "_")}_WASM_BASE64`;
  return [
    `// Generated from ${name}.wat by packages/core/scripts/build-wasm.ts; do not edit.`,
    `/** The ${name.replace("-", " ")}' WebAssembly module, base64-encoded. */`,
    `export const ${constant} =`,
    `${lines.map((l) => `  "${l}"`).join(" +\n")};`,
    "",
  ].join("\n");
}
