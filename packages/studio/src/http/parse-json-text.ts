/** What U+0000 in a request's text becomes: SQLite keeps it, but reads text only up to it. */
export const NUL_REPLACEMENT = "\uFFFD";

/**
 * `JSON.parse` for request bodies, with every U+0000 in a string replaced by U+FFFD. SQLite
 * stores a NUL inside text but hands the text back cut at it, so a run named `"a\u0000b"` would
 * read back as `"a"` (and a session name so cut would file the run under another project).
 * LangSmith's Postgres refuses NUL in text and JSON alike; replacing it keeps the rest.
 * Only a text holding the escape `\u0000` takes the slower path (JSON can carry NUL no other way).
 *
 * @throws SyntaxError as `JSON.parse` does.
 */
export function parseJsonText(text: string): unknown {
  if (!text.includes("\\u0000")) return JSON.parse(text);
  return JSON.parse(text, (_key, value: unknown) =>
    typeof value === "string" ? value.replaceAll("\u0000", NUL_REPLACEMENT) : value,
  );
}
