/*
 * How many terminal columns a text takes: labels and texts of the user's own data may be Chinese,
 * Japanese or Korean (two columns a character), emoji (two, a family joined with zero-width
 * joiners or a flag included), or carry combining accents (none), and a table laid out by
 * `string.length` would run its columns out of line.
 */

/** Combining and enclosing marks: drawn over the character before them. */
const MARK = /^[\p{Mn}\p{Me}]$/u;

/** A character shown as an emoji by default (Unicode's Emoji_Presentation): two columns. */
const EMOJI_PRESENTATION = /^\p{Emoji_Presentation}$/u;

/**
 * A whole emoji as Unicode recommends it (a ZWJ family, a flag, a keycap, `❤️` with its variation
 * selector): drawn as one picture two columns wide. Built at run time with its flag in a variable:
 * the `v` flag is newer than the ES2023 the code is compiled for (Node has it since 20).
 */
const SETS_FLAG: string = "v";
const RGI_EMOJI = new RegExp("^\\p{RGI_Emoji}$", SETS_FLAG);

/** Zero-width spaces and joiners, word joiner, variation selectors, byte order mark. */
const ZERO_WIDTH: ReadonlyArray<readonly [number, number]> = [
  [0x200b, 0x200f],
  [0x2060, 0x2064],
  [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff],
  [0xe0100, 0xe01ef],
];

/**
 * Unicode's East Asian Wide and Fullwidth characters (Hangul, CJK, kana, fullwidth forms, the
 * ideographic planes), and the pictograph blocks the emoji live in; emoji outside them are
 * recognised by {@link EMOJI_PRESENTATION}.
 */
const WIDE: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f],
  [0x2329, 0x232a],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x16fe0, 0x16fe4],
  [0x17000, 0x18cff],
  [0x1aff0, 0x1b2ff],
  [0x1f200, 0x1f2ff],
  [0x20000, 0x2fffd],
  [0x30000, 0x3fffd],
];

const within = (ranges: ReadonlyArray<readonly [number, number]>, code: number): boolean =>
  ranges.some(([from, to]) => code >= from && code <= to);

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** Printable ASCII: one column a character, no need to find the graphemes. */
const ASCII = /^[\x20-\x7e]*$/;

/**
 * The columns `text` takes in a terminal, counted by grapheme (what the reader sees as one
 * character): two for an emoji or a wide character, none for combining marks and zero-width
 * characters, one for anything else.
 *
 * @example
 * displayWidth("价格"); // 4
 * displayWidth("👨‍👩‍👧 ok"); // 5
 */
export function displayWidth(text: string): number {
  if (ASCII.test(text)) return text.length;
  let width = 0;
  for (const { segment } of graphemes.segment(text)) width += graphemeWidth(segment);
  return width;
}

/** The columns one grapheme takes: its first visible character's, or two for a whole emoji. */
function graphemeWidth(grapheme: string): number {
  if (RGI_EMOJI.test(grapheme)) return 2;
  for (const char of grapheme) {
    const code = char.codePointAt(0) as number;
    if (MARK.test(char) || within(ZERO_WIDTH, code)) continue;
    return EMOJI_PRESENTATION.test(char) || within(WIDE, code) ? 2 : 1;
  }
  return 0;
}

/** `text` followed by spaces up to `width` columns (unchanged when it is as wide already). */
export function padToWidth(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - displayWidth(text)));
}
