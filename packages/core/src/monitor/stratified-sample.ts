import { fnv1a32 } from "../ml/fnv1a.ts";
import { seededRandom, shuffleInPlace } from "../ml/seeded-random.ts";

/** Options of {@link stratifiedSample}. */
export interface StratifiedSampleOptions<T> {
  /** How many items to pick (fewer when there are fewer). */
  n: number;
  /** The stratum of an item (e.g. its tier): strata take turns, so rare ones are seen too. */
  stratumOf: (item: T) => string;
  /** Seed of the shuffle: the same items and seed give the same sample. */
  seed: number;
}

/**
 * Picks `n` items, stratified: the strata take turns, each giving its next item in a seeded
 * shuffle, so a stratum with 3 items among 1,000 still gets looked at. The turns go round the
 * strata rarest first, starting at a seeded place in that cycle: with more strata than picks, the
 * seed (the day) decides which strata get this sample's turns, so that over the days every stratum,
 * rare or busy, gets its turn. Returns the picks in turn order, each with its stratum.
 *
 * @example
 * stratifiedSample(runs, { n: 20, stratumOf: (r) => r.tier ?? "none", seed: dailySeed("banking") });
 */
export function stratifiedSample<T>(
  items: readonly T[],
  options: StratifiedSampleOptions<T>,
): { item: T; stratum: string }[] {
  const random = seededRandom(options.seed);
  const strata = new Map<string, T[]>();
  for (const item of items) {
    const key = options.stratumOf(item);
    strata.set(key, [...(strata.get(key) ?? []), item]);
  }
  // The strata in a cycle, rarest first (strata of one size in a seeded order), entered at a seeded
  // place: with fewer picks than strata, a fixed start would give the same strata the first turns
  // every day (the rarest, or the first names), and the others none, ever.
  const cycle = shuffleInPlace(
    [...strata.keys()].sort().map((key) => ({ key, items: shuffleInPlace(strata.get(key) as T[], random) })),
    random,
  ).sort((x, y) => x.items.length - y.items.length);
  const start = Math.floor(random() * cycle.length);
  const queues = [...cycle.slice(start), ...cycle.slice(0, start)];
  const picked: { item: T; stratum: string }[] = [];
  for (let round = 0; picked.length < options.n; round++) {
    let any = false;
    for (const q of queues) {
      const item = q.items[round];
      if (item === undefined) continue;
      any = true;
      picked.push({ item, stratum: q.key });
      if (picked.length >= options.n) break;
    }
    if (!any) break;
  }
  return picked;
}

/**
 * A seed that stays the same through one UTC day and changes the next: today's sample is stable
 * however often it is drawn, tomorrow's is another one.
 */
export function dailySeed(salt: string, date: Date = new Date()): number {
  return fnv1a32(`${date.toISOString().slice(0, 10)}:${salt}`);
}
