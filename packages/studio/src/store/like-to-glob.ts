/*
 * The case-sensitive `like` of the run filter as a GLOB: SQLite's LIKE ignores case (ASCII).
 */

/**
 * A SQL LIKE pattern as a GLOB: % and _ become * and ?, GLOB's own * ? [ match themselves, and a
 * backslash makes the next character literal (as in LIKE ... ESCAPE '\\').
 */
export function likeToGlob(pattern: string): string {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "\\" && i + 1 < pattern.length) {
      const next = pattern[++i]!;
      out += next === "*" || next === "?" || next === "[" ? `[${next}]` : next;
    } else if (c === "%") out += "*";
    else if (c === "_") out += "?";
    else if (c === "*" || c === "?" || c === "[") out += `[${c}]`;
    else out += c;
  }
  return out;
}
