// Generates WebAssembly text for dot-product kernels of R stored rows × B queries per pass, the
// variants measured by kernel-variants.bench.ts; the ones kept were copied into
// packages/core/src/ml/wasm/dot-kernels.wat (same instruction sequences, exported under new names).

/** float32 kernel `f32_RxB` (with `relaxed`: fused multiply-add, `f32_RxBr`). */
export function f32Kernel(R: number, B: number, relaxed = false): string {
  const acc = (r: number, b: number) => `$a${r}_${b}`;
  const L: string[] = [];
  L.push(
    `(func (export "f32_${R}x${B}${relaxed ? "r" : ""}") (param $vec i32) (param $n i32) (param $bytes i32) (param $q i32) (param $out i32)`,
  );
  L.push(
    "(local $end i32) (local $qv v128) (local $p i32) (local $pq i32) (local $k i32) (local $o i32) (local $nb i32)",
  );
  for (let r = 0; r < R; r++) {
    L.push(`(local $v${r} v128)`);
    for (let b = 0; b < B; b++) L.push(`(local ${acc(r, b)} v128)`);
  }
  L.push("(local.set $end (i32.add (local.get $vec) (i32.mul (local.get $n) (local.get $bytes))))");
  L.push(
    "(local.set $nb (i32.shl (local.get $n) (i32.const 2)))(local.set $p (local.get $vec))(local.set $o (local.get $out))",
  );
  L.push("(block $done (br_if $done (i32.ge_u (local.get $p) (local.get $end))) (loop $rows");
  for (let r = 0; r < R; r++)
    for (let b = 0; b < B; b++) L.push(`(local.set ${acc(r, b)} (v128.const i64x2 0 0))`);
  L.push("(local.set $pq (local.get $q)) (local.set $k (i32.const 0)) (loop $cols");
  for (let r = 0; r < R; r++) {
    L.push(
      `(local.set $v${r} (v128.load (i32.add (local.get $p) (i32.add (local.get $k) (i32.mul (local.get $bytes) (i32.const ${r}))))))`,
    );
  }
  for (let b = 0; b < B; b++) {
    L.push(`(local.set $qv (v128.load offset=${b * 16} (local.get $pq)))`);
    for (let r = 0; r < R; r++) {
      L.push(
        relaxed
          ? `(local.set ${acc(r, b)} (f32x4.relaxed_madd (local.get $v${r}) (local.get $qv) (local.get ${acc(r, b)})))`
          : `(local.set ${acc(r, b)} (f32x4.add (local.get ${acc(r, b)}) (f32x4.mul (local.get $v${r}) (local.get $qv))))`,
      );
    }
  }
  L.push(
    `(local.set $k (i32.add (local.get $k) (i32.const 16))) (local.set $pq (i32.add (local.get $pq) (i32.const ${B * 16})))`,
  );
  L.push("(br_if $cols (i32.lt_u (local.get $k) (local.get $bytes))))");
  for (let r = 0; r < R; r++) {
    for (let b = 0; b < B; b++) {
      L.push(
        `(f32.store (i32.add (local.get $o) (i32.add (i32.mul (local.get $nb) (i32.const ${b})) (i32.const ${r * 4}))) (call $hsum_f32 (local.get ${acc(r, b)})))`,
      );
    }
  }
  L.push(
    `(local.set $o (i32.add (local.get $o) (i32.const ${R * 4}))) (local.set $p (i32.add (local.get $p) (i32.mul (local.get $bytes) (i32.const ${R}))))`,
  );
  L.push("(br_if $rows (i32.lt_u (local.get $p) (local.get $end))))))");
  return L.join("\n");
}

/** int8 kernel `i8_RxB`: int8 rows, int16 queries (low/high halves per 16-lane chunk), exact int32 sums. */
export function i8Kernel(R: number, B: number): string {
  const acc = (r: number, b: number) => `$a${r}_${b}`;
  const L: string[] = [];
  L.push(
    `(func (export "i8_${R}x${B}") (param $vec i32) (param $n i32) (param $bytes i32) (param $q i32) (param $scales i32) (param $out i32)`,
  );
  L.push(
    "(local $end i32) (local $qv v128) (local $qw v128) (local $p i32) (local $pq i32) (local $k i32) (local $o i32) (local $nb i32) (local $s i32)",
  );
  for (let r = 0; r < R; r++) {
    L.push(`(local $v${r} v128) (local $lo${r} v128) (local $hi${r} v128)`);
    for (let b = 0; b < B; b++) L.push(`(local ${acc(r, b)} v128)`);
  }
  L.push("(local.set $end (i32.add (local.get $vec) (i32.mul (local.get $n) (local.get $bytes))))");
  L.push(
    "(local.set $nb (i32.shl (local.get $n) (i32.const 2)))(local.set $p (local.get $vec))(local.set $o (local.get $out))(local.set $s (local.get $scales))",
  );
  L.push("(block $done (br_if $done (i32.ge_u (local.get $p) (local.get $end))) (loop $rows");
  for (let r = 0; r < R; r++)
    for (let b = 0; b < B; b++) L.push(`(local.set ${acc(r, b)} (v128.const i64x2 0 0))`);
  L.push("(local.set $pq (local.get $q)) (local.set $k (i32.const 0)) (loop $cols");
  for (let r = 0; r < R; r++) {
    L.push(
      `(local.set $v${r} (v128.load (i32.add (local.get $p) (i32.add (local.get $k) (i32.mul (local.get $bytes) (i32.const ${r}))))))`,
    );
    L.push(
      `(local.set $lo${r} (i16x8.extend_low_i8x16_s (local.get $v${r}))) (local.set $hi${r} (i16x8.extend_high_i8x16_s (local.get $v${r})))`,
    );
  }
  for (let b = 0; b < B; b++) {
    L.push(
      `(local.set $qv (v128.load offset=${b * 32} (local.get $pq))) (local.set $qw (v128.load offset=${b * 32 + 16} (local.get $pq)))`,
    );
    for (let r = 0; r < R; r++) {
      L.push(
        `(local.set ${acc(r, b)} (i32x4.add (local.get ${acc(r, b)}) (i32x4.add (i32x4.dot_i16x8_s (local.get $lo${r}) (local.get $qv)) (i32x4.dot_i16x8_s (local.get $hi${r}) (local.get $qw)))))`,
      );
    }
  }
  L.push(
    `(local.set $k (i32.add (local.get $k) (i32.const 16))) (local.set $pq (i32.add (local.get $pq) (i32.const ${B * 32})))`,
  );
  L.push("(br_if $cols (i32.lt_u (local.get $k) (local.get $bytes))))");
  for (let r = 0; r < R; r++) {
    for (let b = 0; b < B; b++) {
      L.push(
        `(f32.store (i32.add (local.get $o) (i32.add (i32.mul (local.get $nb) (i32.const ${b})) (i32.const ${r * 4}))) (f32.mul (f32.load offset=${r * 4} (local.get $s)) (f32.convert_i32_s (call $hsum_i32 (local.get ${acc(r, b)})))))`,
      );
    }
  }
  L.push(
    `(local.set $o (i32.add (local.get $o) (i32.const ${R * 4}))) (local.set $s (i32.add (local.get $s) (i32.const ${R * 4}))) (local.set $p (i32.add (local.get $p) (i32.mul (local.get $bytes) (i32.const ${R}))))`,
  );
  L.push("(br_if $rows (i32.lt_u (local.get $p) (local.get $end))))))");
  return L.join("\n");
}

/** Horizontal sums used by every kernel. */
export const HSUM = `(func $hsum_f32 (param $v v128) (result f32)
  (f32.add (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
    (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))
(func $hsum_i32 (param $v v128) (result i32)
  (i32.add (i32.add (i32x4.extract_lane 0 (local.get $v)) (i32x4.extract_lane 1 (local.get $v)))
    (i32.add (i32x4.extract_lane 2 (local.get $v)) (i32x4.extract_lane 3 (local.get $v)))))`;
