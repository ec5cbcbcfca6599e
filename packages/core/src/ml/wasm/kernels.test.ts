import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compileKernel, KERNELS } from "./compile-wat.ts";

describe("WebAssembly kernels", () => {
  it.each(KERNELS)("the committed %s module is what its .wat compiles to", async (name) => {
    const committed = readFileSync(fileURLToPath(new URL(`./${name}-wasm.ts`, import.meta.url)), "utf8");
    expect(committed).toBe(await compileKernel(name));
  });
});
