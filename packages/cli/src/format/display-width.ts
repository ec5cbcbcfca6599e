/*
 * How many terminal columns a text takes: labels and texts of the user's own data may be Chinese,
 * Japanese or Korean (two columns a character), or carry combining accents (none), and a table laid
 * out by `string.length` would run its columns out of line.
 */

/** Combining marks, zero-width characters and variation selectors: no column of their own. */
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\u200B-\u200F\u2060\uFE00-\uFE0F\uFEFF]$/u;

/** Wide and fullwidth characters (East Asian scripts, fullwidth forms) and pictographic emoji. */
const WIDE =
  /^[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{1F300}-\u{1F64F}\u{1F900}-\u{1F9FF}\u{20000}-\u{3FFFD}]$/u;

/**
 * The columns `text` takes in a terminal: two for a wide character, none for a combining mark, one
 * for anything else (counted by code point, so an astral character is one, not two).
 *
 * @example
 * displayWidth("价格"); // 4
 */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) {
    if (ZERO_WIDTH.test(char)) continue;
    width += WIDE.test(char) ? 2 : 1;
  }
  return width;
}

/** `text` followed by spaces up to `width` columns (unchanged when it is as wide already). */
export function padToWidth(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - displayWidth(text)));
}
