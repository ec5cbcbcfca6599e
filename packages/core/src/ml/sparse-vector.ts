/** A sparse vector: parallel arrays of column indices and their values (no particular order). */
export interface SparseVector {
  readonly indices: Int32Array;
  readonly values: Float32Array;
}
