import { SGD_KERNELS_WASM_BASE64 } from "./sgd-kernels-wasm.ts";
import { type WasmMemory, type WasmModule, wasm, wasmMemory } from "./wasm-runtime.ts";

/** The kernels exported by sgd-kernels.wat. */
export interface SgdKernelExports {
  accumulate(
    rows: number,
    vals: number,
    nnz: number,
    w: number,
    kp: number,
    scale: number,
    out: number,
  ): void;
  update(rows: number, vals: number, nnz: number, w: number, kp: number, step: number, g: number): void;
}

let compiled: WasmModule | undefined;

/** A fresh memory of at least `bytes` bytes with the SGD kernels instantiated over it. */
export function sgdKernels(bytes: number): { memory: WasmMemory; kernels: SgdKernelExports } {
  compiled ??= new wasm.Module(Buffer.from(SGD_KERNELS_WASM_BASE64, "base64"));
  const memory = wasmMemory(bytes, false);
  const kernels = new wasm.Instance(compiled, { env: { memory } }).exports as SgdKernelExports;
  return { memory, kernels };
}
