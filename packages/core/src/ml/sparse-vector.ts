/** A sparse vector: parallel arrays of column indices and their values (no particular order). */
export interface SparseVector {
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

/**
 * Where each example's non-zeros start once all examples are packed one after another: `n + 1`
 * offsets, the last being the total (the size of the packed rows and values).
 */
export function packedStarts(x: readonly SparseVector[]): Int32Array {
  const starts = new Int32Array(x.length + 1);
  for (let i = 0; i < x.length; i++)
    starts[i + 1] = (starts[i] as number) + (x[i] as SparseVector).indices.length;
  return starts;
}

/**
 * Packs every example's non-zeros at its `starts` offset, for the SGD kernels: `rows` gets each
 * column as the byte offset of its weight row (column × `rowBytes`), `vals` its value.
 */
export function packExamples(
  x: readonly SparseVector[],
  starts: Int32Array,
  rowBytes: number,
  rows: Int32Array,
  vals: Float32Array,
): void {
  for (let i = 0; i < x.length; i++) {
    const xi = x[i] as SparseVector;
    const at = starts[i] as number;
    for (let j = 0; j < xi.indices.length; j++) rows[at + j] = (xi.indices[j] as number) * rowBytes;
    vals.set(xi.values, at);
  }
}
