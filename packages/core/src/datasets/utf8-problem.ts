/** Where a file stops being valid UTF-8: its 1-based line, and the first non-ASCII byte of that line. */
export interface Utf8Problem {
  line: number;
  /** The offending byte, e.g. `0xE9` (Latin-1 é), when the line has one. */
  byte?: number;
  /** 1-based position of that byte in the line. */
  column?: number;
}

/**
 * Finds the first line of `bytes` that is not valid UTF-8, or undefined when all of it is. Read as
 * UTF-8 regardless, such bytes would silently become U+FFFD and the data would change.
 *
 * @example
 * findUtf8Problem(readFileSync("dev.csv")); // { line: 3, byte: 0xe9, column: 7 }
 */
export function findUtf8Problem(bytes: Uint8Array): Utf8Problem | undefined {
  const strict = new TextDecoder("utf-8", { fatal: true });
  try {
    strict.decode(bytes);
    return undefined;
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
      const byte = slice[at];
      return at === -1 || byte === undefined ? { line } : { line, byte, column: at + 1 };
    }
    if (newline === -1) break;
    start = newline + 1;
  }
  // Only a sequence split across a newline can get here: report the last line.
  return { line: Math.max(1, bytes.filter((b) => b === 0x0a).length) };
}

/** The problem as words: `line 3 is not valid UTF-8 (byte 0xE9 at byte 7 of the line)`. */
export function utf8ProblemText(problem: Utf8Problem): string {
  const where =
    problem.byte === undefined
      ? ""
      : ` (byte 0x${problem.byte.toString(16).toUpperCase()} at byte ${problem.column} of the line)`;
  return `line ${problem.line} is not valid UTF-8${where}`;
}
