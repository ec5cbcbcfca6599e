// Measures single-thread memory read bandwidth: a WebAssembly SIMD loop summing a buffer far larger
// than the caches (the fastest way this process can read memory), best of several passes.
import wabtInit from "wabt";

const WAT = `(module
  (import "env" "memory" (memory 1 65536))
  (func (export "sum") (param $p i32) (param $end i32) (result f32)
    (local $a v128) (local $b v128) (local $c v128) (local $d v128)
    (loop $l
      (local.set $a (f32x4.add (local.get $a) (v128.load offset=0 (local.get $p))))
      (local.set $b (f32x4.add (local.get $b) (v128.load offset=16 (local.get $p))))
      (local.set $c (f32x4.add (local.get $c) (v128.load offset=32 (local.get $p))))
      (local.set $d (f32x4.add (local.get $d) (v128.load offset=48 (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 64)))
      (br_if $l (i32.lt_u (local.get $p) (local.get $end))))
    (f32x4.extract_lane 0 (f32x4.add (f32x4.add (local.get $a) (local.get $b)) (f32x4.add (local.get $c) (local.get $d))))))`;

/** Best single-thread read bandwidth over `bytes` (default 512 MiB), in GB/s (10^9 bytes per second). */
export async function memoryBandwidthGBs(bytes = 512 * 2 ** 20, passes = 5): Promise<number> {
  const wabt = await wabtInit();
  const module = wabt.parseWat("bw.wat", WAT, { simd: true });
  const binary = module.toBinary({}).buffer;
  module.destroy();
  const WA = (
    globalThis as unknown as {
      WebAssembly: {
        Memory: new (d: object) => { buffer: ArrayBuffer };
        instantiate: (
          b: Uint8Array,
          i: object,
        ) => Promise<{ instance: { exports: { sum: (p: number, e: number) => number } } }>;
      };
    }
  ).WebAssembly;
  const memory = new WA.Memory({ initial: bytes / 65536 + 1, maximum: 65536 });
  new Float32Array(memory.buffer).fill(1);
  const { instance } = await WA.instantiate(binary, { env: { memory } });
  let best = 0;
  for (let i = 0; i < passes; i++) {
    const t0 = performance.now();
    instance.exports.sum(0, bytes);
    const s = (performance.now() - t0) / 1000;
    best = Math.max(best, bytes / s / 1e9);
  }
  return best;
}
