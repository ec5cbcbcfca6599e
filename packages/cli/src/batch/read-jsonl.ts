import { BatchInputError, UnreadableItem } from "@catena/core";
import { type DecodeOptions, decodedLines } from "./decoded-lines.ts";
import { encodingHint } from "./encoding-hint.ts";
import type { LocatedItem } from "./located-item.ts";

/**
 * Streams a JSONL file: each non-empty line is one input, parsed as JSON. A line that is not valid
 * JSON, or whose bytes are not valid in the file's encoding, becomes an {@link UnreadableItem}
 * carrying `line N: <reason>`, so that the batch records it as failed with its line number and goes
 * on with the other lines.
 */
export async function* readJsonl(path: string, options: DecodeOptions = {}): AsyncGenerator<LocatedItem> {
  for await (const { line, text: raw, invalid } of decodedLines(path, options)) {
    const text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (invalid === undefined && text.trim() === "") continue;
    let value: unknown;
    if (invalid !== undefined) {
      value = new UnreadableItem(
        new BatchInputError(`line ${line}: ${invalid}; ${encodingHint(options)}`, {
          details: { line, code: "INVALID_ENCODING" },
        }),
      );
    } else {
      try {
        value = JSON.parse(text);
      } catch (error) {
        const reason = new BatchInputError(`line ${line}: ${(error as Error).message}`, {
          cause: error,
          details: { line },
        });
        value = new UnreadableItem(reason);
      }
    }
    yield { value, line };
  }
}
