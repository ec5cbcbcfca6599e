import { FNV_OFFSET, fnv1aStep, mix32 } from "./fnv1a.ts";

/** Which n-grams a text is cut into before hashing. */
export interface NgramOptions {
  /** Word n-gram lengths `[min, max]` (default `[1, 2]`); `null` for no word features. */
  words: readonly [number, number] | null;
  /** Character n-gram lengths `[min, max]` taken inside space-padded words (default `[2, 5]`); `null` for none. */
  chars: readonly [number, number] | null;
}

/** The n-grams used by default: word 1–2-grams and character 2–5-grams. */
export const DEFAULT_NGRAMS: NgramOptions = { words: [1, 2], chars: [2, 5] };

/** Block of a hashed feature (its lowest bit), so that word and character features can be weighed apart. */
export const WORD_BLOCK = 0;
/** See {@link WORD_BLOCK}. */
export const CHAR_BLOCK = 1;

// Distinct seeds keep the word "ab" and the character bigram "ab" apart.
const WORD_SEED = fnv1aStep(FNV_OFFSET, 0x77);
const CHAR_SEED = fnv1aStep(FNV_OFFSET, 0x63);
const SPACE = 0x20;
const TOKEN = /[\p{L}\p{N}]+/gu;

/** Lower-cased word tokens of a text: runs of letters and digits. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().match(TOKEN) ?? [];
}

/**
 * Adds the hashed n-grams of `text` to `counts` (key → occurrences). A key is a 32-bit hash whose
 * lowest bit is its block ({@link WORD_BLOCK} or {@link CHAR_BLOCK}); keys are stable across machines.
 *
 * @example
 * const counts = new Map<number, number>(); countNgrams("My card is lost", DEFAULT_NGRAMS, counts);
 */
export function countNgrams(text: string, options: NgramOptions, counts: Map<number, number>): void {
  const tokens = tokenize(text);
  if (options.words) {
    const [min, max] = options.words;
    for (let i = 0; i < tokens.length; i++) {
      let h = WORD_SEED;
      for (let n = 1; n <= max && i + n <= tokens.length; n++) {
        if (n > 1) h = fnv1aStep(h, SPACE);
        const token = tokens[i + n - 1] as string;
        for (let c = 0; c < token.length; c++) h = fnv1aStep(h, token.charCodeAt(c));
        if (n >= min) add(counts, ((mix32(h) & ~1) | WORD_BLOCK) >>> 0);
      }
    }
  }
  if (options.chars) {
    const [min, max] = options.chars;
    for (const token of tokens) {
      // Space-padded, as in " card ", so that prefixes and suffixes get their own n-grams.
      const length = token.length + 2;
      for (let i = 0; i + min <= length; i++) {
        let h = CHAR_SEED;
        for (let n = 1; n <= max && i + n <= length; n++) {
          const at = i + n - 1;
          h = fnv1aStep(h, at === 0 || at === length - 1 ? SPACE : token.charCodeAt(at - 1));
          if (n >= min) add(counts, ((mix32(h) & ~1) | CHAR_BLOCK) >>> 0);
        }
      }
    }
  }
}

function add(counts: Map<number, number>, key: number): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}
