/** The text of a message's content, whether a string or an array of parts. */
export function messageText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (typeof part === "object" && part !== null ? (part as { text?: unknown }).text : part))
      .filter((t): t is string => typeof t === "string")
      .join("\n");
  }
  return "";
}
