/*
 * How many terminal columns a text takes: labels and texts of the user's own data may be Chinese,
 * Japanese or Korean (two columns a character), or carry combining accents (none), and a table laid
 * out by `string.length` would run its columns out of line.
 */

/** Combining and enclosing marks: drawn over the character before them. */
const MARK = /^[\p{Mn}\p{Me}]$/u;

/** Zero-width spaces and joiners, word joiner, variation selectors, byte order mark. */
const ZERO_WIDTH: ReadonlyArray<readonly [number, number]> = [
  [0x200b, 0x200f],
  [0x2060, 0x2060],
  [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff],
];

/** Wide and fullwidth characters (East Asian scripts, fullwidth forms) and pictographic emoji. */
const WIDE: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe30, 0xfe4f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x1f300, 0x1f64f],
  [0x1f900, 0x1f9ff],
  [0x20000, 0x3fffd],
];

const within = (ranges: ReadonlyArray<readonly [number, number]>, code: number): boolean =>
  ranges.some(([from, to]) => code >= from && code <= to);

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
    const code = char.codePointAt(0) as number;
    if (MARK.test(char) || within(ZERO_WIDTH, code)) continue;
    width += within(WIDE, code) ? 2 : 1;
  }
  return width;
}

/** `text` followed by spaces up to `width` columns (unchanged when it is as wide already). */
export function padToWidth(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - displayWidth(text)));
}
