import { readFileSync } from "node:fs";
import { CliError } from "../cli-error.ts";

/**
 * Refuses a labelled data file (eval, train, calibrate) that is not valid UTF-8, naming the first
 * line that is not: read as UTF-8 regardless, such bytes would silently become U+FFFD and the
 * items would be evaluated or trained on altered text.
 *
 * @example
 * assertUtf8File("/data/dev.csv", "dev.csv"); // throws: dev.csv line 3 is not valid UTF-8 ...
 */
export function assertUtf8File(path: string, shownAs: string): void {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    return; // a missing or unreadable file is reported by the reader that follows, as before
  }
  const strict = new TextDecoder("utf-8", { fatal: true });
  try {
    strict.decode(bytes);
    return;
  } catch {
    // find the line below
  }
  let start = 0;
  for (let line = 1; start <= bytes.length; line++) {
    const newline = bytes.indexOf(0x0a, start);
    const end = newline === -1 ? bytes.length : newline;
    const slice = bytes.subarray(start, end);
    try {
      strict.decode(slice);
    } catch {
      const at = slice.findIndex((b) => b >= 0x80);
      throw new CliError(
        `${shownAs} line ${line} is not valid UTF-8${at === -1 ? "" : ` (byte 0x${slice[at]?.toString(16).toUpperCase()} at byte ${at + 1} of the line)`}; save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8).`,
      );
    }
    if (newline === -1) break;
    start = newline + 1;
  }
}
