// Register blockings of the scan kernels (R stored rows × B queries per pass), float32 with and
// without relaxed-SIMD fused multiply-add, and int8: 10,000 × 384 random unit vectors, 1,000 top-10
// queries, one thread. This is how the kernels in packages/core/src/ml/wasm/dot-kernels.wat were chosen.
//
//   node --conditions=@catena/source bench/ml/kernel-variants.bench.ts

import { seededRandom } from "@catena/core/ml";
import wabtInit from "wabt";
import { TopK } from "../../packages/core/src/ml/top-k.ts";
import { fmt, machineNotes, markdownTable, median } from "../lib/report.ts";
import { f32Kernel, HSUM, i8Kernel } from "./kernel-variants.ts";

const N = 10_000;
const D = 384;
const Q = 1_000;
const K = 10;
const F32 = [
  [1, 4],
  [1, 8],
  [2, 4],
  [2, 6],
  [4, 3],
  [2, 1],
  [4, 1],
  [8, 1],
] as const;
const I8 = [
  [1, 4],
  [1, 8],
  [2, 4],
  [2, 1],
  [4, 1],
] as const;

const source = `(module (import "env" "memory" (memory 1 65536)) ${HSUM}
${F32.map(([r, b]) => `${f32Kernel(r, b)}\n${f32Kernel(r, b, true)}`).join("\n")}
${I8.map(([r, b]) => i8Kernel(r, b)).join("\n")})`;
const wabt = await wabtInit();
const features = { simd: true, relaxed_simd: true };
const parsed = wabt.parseWat("variants.wat", source, features);
(parsed.validate as (f: object) => void)(features);
const binary = parsed.toBinary({}).buffer;
type Kernel = (...args: number[]) => void;
const WA = (
  globalThis as unknown as {
    WebAssembly: {
      Memory: new (d: object) => { buffer: ArrayBuffer };
      Module: new (b: Uint8Array) => object;
      Instance: new (m: object, i: object) => { exports: Record<string, Kernel> };
    };
  }
).WebAssembly;

const random = seededRandom(3);
const gaussian = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
function unitRows(n: number): Float32Array {
  const a = new Float32Array(n * D);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < D; j++) {
      const v = gaussian();
      a[i * D + j] = v;
      s += v * v;
    }
    for (let j = 0; j < D; j++) a[i * D + j] = (a[i * D + j] as number) / Math.sqrt(s);
  }
  return a;
}
const V = unitRows(N);
const QS = unitRows(Q);
const VEC = 0;
const CODES = N * D * 4;
const SCALES = CODES + N * D;
const QP = SCALES + N * 4;
const OUT = QP + 16 * D * 4 * 2;
const memory = new WA.Memory({ initial: Math.ceil((OUT + 8 * N * 4) / 65536) + 1, maximum: 65536 });
const kernels = new WA.Instance(new WA.Module(binary), { env: { memory } }).exports;
new Float32Array(memory.buffer, VEC, N * D).set(V);
const codes = new Int8Array(memory.buffer, CODES, N * D);
const scales = new Float32Array(memory.buffer, SCALES, N);
for (let i = 0; i < N; i++) {
  let max = 0;
  for (let j = 0; j < D; j++) max = Math.max(max, Math.abs(V[i * D + j] as number));
  scales[i] = max / 127;
  for (let j = 0; j < D; j++) codes[i * D + j] = Math.round(((V[i * D + j] as number) * 127) / max);
}
const out = new Float32Array(memory.buffer, OUT, 8 * N);
const qf = new Float32Array(memory.buffer, QP, 16 * D);
const qi = new Int16Array(memory.buffer, QP, 16 * D);

function run(name: string, B: number, int8: boolean): number[][] {
  const kernel = kernels[name] as Kernel;
  const found: number[][] = [];
  for (let q0 = 0; q0 < Q; q0 += B) {
    for (let b = 0; b < B; b++) {
      const q = Math.min(q0 + b, Q - 1);
      if (!int8) for (let j = 0; j < D; j++) qf[((j >> 2) * B + b) * 4 + (j & 3)] = QS[q * D + j] as number;
      else {
        let max = 0;
        for (let j = 0; j < D; j++) max = Math.max(max, Math.abs(QS[q * D + j] as number));
        for (let j = 0; j < D; j++)
          qi[((j >> 4) * B + b) * 16 + (j & 15)] = Math.round(((QS[q * D + j] as number) * 16383) / max);
      }
    }
    if (int8) kernel(CODES, N, D, QP, SCALES, OUT);
    else kernel(VEC, N, D * 4, QP, OUT);
    for (let b = 0; b < B && q0 + b < Q; b++) {
      const top = new TopK(K);
      for (let i = 0; i < N; i++) top.push(out[b * N + i] as number, i);
      found.push(top.sorted().map(([, i]) => i));
    }
  }
  return found;
}

const exact = run("f32_1x8", 8, false);
const rows: string[][] = [];
const variants = [
  ...F32.flatMap(([r, b]) => [
    { name: `f32_${r}x${b}`, B: b, int8: false },
    { name: `f32_${r}x${b}r`, B: b, int8: false },
  ]),
  ...I8.map(([r, b]) => ({ name: `i8_${r}x${b}`, B: b, int8: true })),
];
for (const v of variants) {
  run(v.name, v.B, v.int8);
  const times: number[] = [];
  let found: number[][] = [];
  for (let round = 0; round < 3; round++) {
    const t0 = performance.now();
    found = run(v.name, v.B, v.int8);
    times.push(performance.now() - t0);
  }
  let hits = 0;
  found.forEach((f, q) => {
    const want = new Set(exact[q]);
    for (const i of f) if (want.has(i)) hits++;
  });
  rows.push([v.name, fmt((Q / median(times)) * 1000, 0), fmt(hits / (Q * K), 4)]);
}
console.log(
  `\n### Scan kernel variants (${N.toLocaleString("en-US")} × ${D}, ${Q} top-${K} queries, 1 thread)\n`,
);
console.log(machineNotes());
console.log("\nname: rows × queries per pass; r = relaxed-SIMD f32x4.relaxed_madd (fused multiply-add)\n");
console.log(markdownTable(["kernel", "queries/s", "recall@10 vs f32_1x8"], rows));
