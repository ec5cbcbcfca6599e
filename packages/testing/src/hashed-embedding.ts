/**
 * A deterministic, L2-normalised vector for a text: each lower-cased word adds ±1 to a dimension
 * chosen by its FNV-1a hash. Texts sharing words get similar vectors, which is all the test
 * server's default embeddings need to be.
 *
 * @example
 * hashedEmbedding("refund my order", 64).length // 64
 */
export function hashedEmbedding(text: string, dimension: number): number[] {
  const vector = new Array<number>(dimension).fill(0);
  for (const word of text.toLowerCase().match(/\w+/g) ?? []) {
    const h = fnv1a(word);
    const slot = h % dimension;
    vector[slot] = (vector[slot] ?? 0) + ((h >>> 31) & 1 ? -1 : 1);
  }
  const norm = Math.hypot(...vector);
  return norm === 0 ? vector : vector.map((v) => v / norm);
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
