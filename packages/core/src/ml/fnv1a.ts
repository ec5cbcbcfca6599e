/*
 * Stable 32-bit string hashing for hashed features. Written out rather than taken from a library:
 * the exact function is part of every saved featuriser and embedder (a different hash would silently
 * change every feature), and it runs once per character of every n-gram, inline in the hot loop.
 */

/** FNV-1a 32-bit offset basis: the hash of the empty string. */
export const FNV_OFFSET = 0x811c9dc5;

const FNV_PRIME = 0x01000193;

/**
 * One FNV-1a step over a UTF-16 code unit (fed whole, not split into bytes, so that hashing is the
 * same on every machine and needs no encoding): extend `hash` by `unit`.
 */
export function fnv1aStep(hash: number, unit: number): number {
  return Math.imul(hash ^ unit, FNV_PRIME) >>> 0;
}

/**
 * FNV-1a hash of a string's UTF-16 code units, starting from `seed` (default: the FNV offset basis).
 *
 * @example
 * fnv1a32("card") === fnv1a32("card") // stable across runs, processes and machines
 */
export function fnv1a32(text: string, seed: number = FNV_OFFSET): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME) >>> 0;
  return h;
}

/**
 * MurmurHash3's 32-bit finaliser: spreads FNV's weak low bits over the whole word before a hash is
 * reduced modulo a small number (a dimension or a bucket count).
 */
export function mix32(hash: number): number {
  let h = hash >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
