import { seededRandom, shuffleInPlace } from "./seeded-random.ts";

/** Options of {@link splitDataset}. */
export interface SplitOptions<T> {
  /** Seed of the shuffle: the same seed and data give the same split on every machine. */
  seed: number;
  /** Share of the examples that go to dev, in (0, 1) (default 0.15). */
  devShare?: number;
  /**
   * Keep each class's share equal in train and dev: `true` groups by `example.label`, a function by
   * its result (default true when the examples have a string `label`).
   */
  stratify?: boolean | ((example: T) => string);
}

/**
 * Splits examples into train and dev with a seeded shuffle, stratified by label by default; both
 * parts keep the input order. Tune only on dev, report on it, and never train on it.
 *
 * @example
 * const { train, dev } = splitDataset(examples, { seed: 77, devShare: 0.15 });
 */
export function splitDataset<T>(examples: readonly T[], options: SplitOptions<T>): { train: T[]; dev: T[] } {
  const share = options.devShare ?? 0.15;
  if (!(share > 0 && share < 1))
    throw new RangeError(`splitDataset: devShare must be in (0, 1), got ${share}`);
  const keyOf = stratifier(examples, options.stratify);
  const groups = new Map<string, number[]>();
  examples.forEach((e, i) => {
    const key = keyOf(e);
    const list = groups.get(key) ?? [];
    list.push(i);
    groups.set(key, list);
  });
  const random = seededRandom(options.seed);
  const inDev = new Uint8Array(examples.length);
  // Groups in key order, so that the shuffle does not depend on the order classes first appear in.
  for (const key of [...groups.keys()].sort()) {
    const members = shuffleInPlace(groups.get(key) as number[], random);
    const take = Math.round(members.length * share);
    for (let i = 0; i < take; i++) inDev[members[i] as number] = 1;
  }
  const train: T[] = [];
  const dev: T[] = [];
  for (const [i, e] of examples.entries()) (inDev[i] ? dev : train).push(e);
  return { train, dev };
}

function stratifier<T>(examples: readonly T[], stratify: SplitOptions<T>["stratify"]): (e: T) => string {
  if (typeof stratify === "function") return stratify;
  const labelled = examples.every((e) => typeof (e as { label?: unknown }).label === "string");
  if (stratify === true && !labelled) {
    throw new TypeError(
      "splitDataset: stratify is true but not every example has a string `label`; pass a function",
    );
  }
  return (stratify ?? labelled) && labelled ? (e) => (e as { label: string }).label : () => "";
}
