;; Inner loops of the softmax regression's SGD (see ../softmax-regression.ts), in WebAssembly SIMD.
;; Compiled to sgd-kernels-wasm.ts by `node packages/core/scripts/build-wasm.ts` (wabt from npm).
;;
;; The weights are row-major, one row of `kp` f32 per feature (kp = classes rounded up to 4, the
;; padding lanes stay 0). An example is `nnz` pairs of (row byte offset: feature * kp * 4, value).
;; Both loops are plain f32x4 mul/add (no fused multiply-add), so results are the same everywhere.
(module
  (import "env" "memory" (memory 1 65536))

  ;; out[0..kp) += scale * sum_j val[j] * W[row_j]. Features are taken two at a time so that each
  ;; 4-class chunk of `out` is loaded and stored once per pair (measured 1.6x faster than one at a time on Banking77).
  (func (export "accumulate")
    (param $rows i32) (param $vals i32) (param $nnz i32) (param $w i32) (param $kp i32) (param $scale f32) (param $out i32)
    (local $j i32) (local $c i32) (local $row i32) (local $row2 i32) (local $v v128) (local $v2 v128) (local $bytes i32)
    (local $pairs i32)
    (local.set $bytes (i32.shl (local.get $kp) (i32.const 2)))
    (local.set $pairs (i32.and (local.get $nnz) (i32.const -2)))
    (block $pairs_done
      (br_if $pairs_done (i32.eqz (local.get $pairs)))
      (loop $features
        (local.set $row (i32.add (local.get $w) (i32.load (local.get $rows))))
        (local.set $row2 (i32.add (local.get $w) (i32.load offset=4 (local.get $rows))))
        (local.set $v (f32x4.splat (f32.mul (f32.load (local.get $vals)) (local.get $scale))))
        (local.set $v2 (f32x4.splat (f32.mul (f32.load offset=4 (local.get $vals)) (local.get $scale))))
        (local.set $c (i32.const 0))
        (loop $lanes
          (v128.store (i32.add (local.get $out) (local.get $c))
            (f32x4.add
              (f32x4.add
                (v128.load (i32.add (local.get $out) (local.get $c)))
                (f32x4.mul (local.get $v) (v128.load (i32.add (local.get $row) (local.get $c)))))
              (f32x4.mul (local.get $v2) (v128.load (i32.add (local.get $row2) (local.get $c))))))
          (local.set $c (i32.add (local.get $c) (i32.const 16)))
          (br_if $lanes (i32.lt_u (local.get $c) (local.get $bytes))))
        (local.set $rows (i32.add (local.get $rows) (i32.const 8)))
        (local.set $vals (i32.add (local.get $vals) (i32.const 8)))
        (local.set $j (i32.add (local.get $j) (i32.const 2)))
        (br_if $features (i32.lt_u (local.get $j) (local.get $pairs)))))
    ;; the odd feature left, if any
    (if (i32.lt_u (local.get $pairs) (local.get $nnz))
      (then
        (local.set $row (i32.add (local.get $w) (i32.load (local.get $rows))))
        (local.set $v (f32x4.splat (f32.mul (f32.load (local.get $vals)) (local.get $scale))))
        (local.set $c (i32.const 0))
        (loop $last
          (v128.store (i32.add (local.get $out) (local.get $c))
            (f32x4.add
              (v128.load (i32.add (local.get $out) (local.get $c)))
              (f32x4.mul (local.get $v) (v128.load (i32.add (local.get $row) (local.get $c))))))
          (local.set $c (i32.add (local.get $c) (i32.const 16)))
          (br_if $last (i32.lt_u (local.get $c) (local.get $bytes)))))))

  ;; W[row_j] -= step * val[j] * g, for every feature j of the example
  (func (export "update")
    (param $rows i32) (param $vals i32) (param $nnz i32) (param $w i32) (param $kp i32) (param $step f32) (param $g i32)
    (local $j i32) (local $c i32) (local $row i32) (local $v v128) (local $bytes i32)
    (local.set $bytes (i32.shl (local.get $kp) (i32.const 2)))
    (block $done
      (br_if $done (i32.eqz (local.get $nnz)))
      (loop $features
        (local.set $row (i32.add (local.get $w) (i32.load (local.get $rows))))
        (local.set $v (f32x4.splat (f32.mul (f32.load (local.get $vals)) (local.get $step))))
        (local.set $c (i32.const 0))
        (loop $lanes
          (v128.store (i32.add (local.get $row) (local.get $c))
            (f32x4.sub
              (v128.load (i32.add (local.get $row) (local.get $c)))
              (f32x4.mul (local.get $v) (v128.load (i32.add (local.get $g) (local.get $c))))))
          (local.set $c (i32.add (local.get $c) (i32.const 16)))
          (br_if $lanes (i32.lt_u (local.get $c) (local.get $bytes))))
        (local.set $rows (i32.add (local.get $rows) (i32.const 4)))
        (local.set $vals (i32.add (local.get $vals) (i32.const 4)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $features (i32.lt_u (local.get $j) (local.get $nnz))))))
)
