/*
 * The WebAssembly global, typed locally: neither lib "ES2023" nor @types/node 22 declares it, and a
 * global declaration would clash with a DOM lib that another package may add.
 */

/** A WebAssembly memory, as far as the kernels use it. */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
}

/** A compiled WebAssembly module (opaque). */
export type WasmModule = { readonly __wasmModule: never };

/** The parts of the `WebAssembly` global that the kernels use. */
export const wasm = (
  globalThis as unknown as {
    WebAssembly: {
      Module: new (bytes: Uint8Array) => WasmModule;
      Instance: new (module: WasmModule, imports: object) => { exports: unknown };
      Memory: new (descriptor: { initial: number; maximum: number; shared?: boolean }) => WasmMemory;
    };
  }
).WebAssembly;

/** A WebAssembly memory of at least `bytes` bytes; `shared` lets worker threads read it too. */
export function wasmMemory(bytes: number, shared: boolean): WasmMemory {
  const pages = Math.max(1, Math.ceil(bytes / 65536));
  return new wasm.Memory({ initial: pages, maximum: 65536, shared });
}
