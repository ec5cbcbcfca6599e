import { DOT_KERNELS_WASM_BASE64 } from "./dot-kernels-wasm.ts";
import { type WasmMemory, type WasmModule, wasm, wasmMemory } from "./wasm-runtime.ts";

/** The kernels exported by dot-kernels.wat (see its header for the memory layout they expect). */
export interface DotKernelExports {
  scoreF32x8(vec: number, n: number, bytes: number, q: number, out: number): void;
  scoreF32x1(vec: number, n: number, bytes: number, q: number, out: number): void;
  scoreI8x4(vec: number, n: number, bytes: number, q: number, scales: number, out: number): void;
  scoreI8x1(vec: number, n: number, bytes: number, q: number, scales: number, out: number): void;
}

/** Queries per block of the float32 and int8 block kernels. */
export const F32_BLOCK = 8;
/** See {@link F32_BLOCK}. */
export const I8_BLOCK = 4;
/** Stored rows are padded to a multiple of this (the single-query kernels score 4 rows per pass). */
export const ROW_MULTIPLE = 4;

let compiled: WasmModule | undefined;

/** The compiled kernel module (compiled once per thread, synchronously: it is a few kilobytes). */
export function dotKernelModule(): WasmModule {
  compiled ??= new wasm.Module(Buffer.from(DOT_KERNELS_WASM_BASE64, "base64"));
  return compiled;
}

/** Instantiates the kernels over a (shared) memory. */
export function instantiateDotKernels(memory: WasmMemory): DotKernelExports {
  return new wasm.Instance(dotKernelModule(), { env: { memory } }).exports as DotKernelExports;
}

/** A shared WebAssembly memory of at least `bytes` bytes (shared so that worker threads can scan it too). */
export function sharedMemory(bytes: number): WasmMemory {
  return wasmMemory(bytes, true);
}

/**
 * Packs queries `from..from+count` of `queries` (row-major, `dimension` floats each, already unit
 * length) into the float32 block layout at `target`: interleaved per 4-float chunk, `block` slots,
 * missing slots zero.
 */
export function packF32Block(
  target: Float32Array,
  queries: Float32Array,
  dimension: number,
  stride: number,
  from: number,
  count: number,
  block: number,
): void {
  target.fill(0, 0, block * stride);
  for (let b = 0; b < count; b++) {
    const src = (from + b) * dimension;
    for (let j = 0; j < dimension; j++) {
      target[((j >> 2) * block + b) * 4 + (j & 3)] = queries[src + j] as number;
    }
  }
}

/**
 * Packs queries into the int16 layout of the int8 kernels (per 16-lane chunk and query: the 8 low
 * lanes, then the 8 high lanes). Each query is scaled so that no int32 lane can overflow.
 */
export function packI16Block(
  target: Int16Array,
  queries: Float32Array,
  dimension: number,
  stride: number,
  from: number,
  count: number,
  block: number,
): void {
  target.fill(0, 0, block * stride);
  // Each int32 lane sums stride/4 products of an int8 (≤127) and an int16 (≤ qmax).
  const qmax = Math.min(32767, Math.floor(2147483647 / (127 * (stride / 4))));
  for (let b = 0; b < count; b++) {
    const src = (from + b) * dimension;
    let max = 0;
    for (let j = 0; j < dimension; j++) max = Math.max(max, Math.abs(queries[src + j] as number));
    const scale = max > 0 ? qmax / max : 0;
    for (let j = 0; j < dimension; j++) {
      const chunk = j >> 4;
      const lane = j & 15;
      target[(chunk * block + b) * 16 + lane] = Math.round((queries[src + j] as number) * scale);
    }
  }
}
