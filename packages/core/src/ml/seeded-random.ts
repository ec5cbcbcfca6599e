/*
 * A seeded pseudo-random generator, so that training, splits and projections are the same for a
 * seed on every run and machine (Math.random can be neither seeded nor reproduced).
 */

/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator) seeded through splitmix32: returns a
 * function giving floats uniform in [0, 1), the same sequence for the same seed everywhere.
 *
 * @example
 * const random = seededRandom(42); random(); // 0.x, always the same first value for seed 42
 */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = next();
  let b = next();
  let c = next();
  let d = 1;
  const random = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  // The first outputs of a freshly seeded sfc32 are poorly mixed; its authors discard a few.
  for (let i = 0; i < 12; i++) random();
  return random;
}

/** Shuffles `items` in place (Fisher–Yates) with the given generator, and returns it. */
export function shuffleInPlace<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = items[i] as T;
    items[i] = items[j] as T;
    items[j] = tmp;
  }
  return items;
}

/** The indices 0..n-1 in an Int32Array, to be reshuffled each epoch with {@link shuffleIndices}. */
export function indexOrder(n: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}

/** Shuffles an index array in place (Fisher–Yates) with the given generator. */
export function shuffleIndices(order: Int32Array, random: () => number): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = order[i] as number;
    order[i] = order[j] as number;
    order[j] = tmp;
  }
}
