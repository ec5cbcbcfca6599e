import { readFileSync } from "node:fs";
import { findUtf8Problem, utf8ProblemText } from "@catena/core/datasets";
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
  // A UTF-16 file (as some spreadsheet programs save "Unicode text") starts with its byte order mark.
  const utf16 =
    bytes[0] === 0xff && bytes[1] === 0xfe
      ? "utf-16le"
      : bytes[0] === 0xfe && bytes[1] === 0xff
        ? "utf-16be"
        : "";
  if (utf16 !== "") {
    throw new CliError(
      `${shownAs} is UTF-16 (its byte order mark says so), not UTF-8; save the file as UTF-8 (e.g. iconv -f ${utf16} -t utf-8).`,
    );
  }
  const problem = findUtf8Problem(bytes);
  if (problem !== undefined) {
    throw new CliError(
      `${shownAs} ${utf8ProblemText(problem)}; save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8).`,
    );
  }
}
