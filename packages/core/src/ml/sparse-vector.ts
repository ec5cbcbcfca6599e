/** A sparse vector: parallel arrays of column indices and their values (no particular order). */
export interface SparseVector {
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

/** Dot product of a sparse vector with row `row` of a dense row-major matrix of `width` columns. */
export function sparseDotRow(x: SparseVector, matrix: Float32Array, row: number, width: number): number {
  let sum = 0;
  const base = row * width;
  for (let i = 0; i < x.indices.length; i++)
    sum += (x.values[i] as number) * (matrix[base + (x.indices[i] as number)] as number);
  return sum;
}
