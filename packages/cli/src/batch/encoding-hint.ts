import type { DecodeOptions } from "./decoded-lines.ts";

/** What to do about a line whose bytes do not decode, as the end of its error message. */
export function encodingHint(options: DecodeOptions): string {
  return options.encoding === undefined || options.encoding.sniffed
    ? "save the file as UTF-8, or name its encoding with --encoding (e.g. --encoding latin1)"
    : `check that the file really is ${options.encoding.name}, or fix the line`;
}
