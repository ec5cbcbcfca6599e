import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { BatchInputError, UnreadableItem } from "@catena/core";
import type { LocatedItem } from "./located-item.ts";

/**
 * Streams a JSONL file: each non-empty line is one input, parsed as JSON. A line that is not valid
 * JSON becomes an {@link UnreadableItem} carrying `line N: <reason>`, so that the batch records it as
 * failed with its line number and goes on with the other lines.
 */
export async function* readJsonl(path: string): AsyncGenerator<LocatedItem> {
  const input = createReadStream(path, { encoding: "utf8" });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  try {
    for await (const raw of lines) {
      line++;
      const text = line === 1 ? raw.replace(/^\uFEFF/, "") : raw;
      if (text.trim() === "") continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        const reason = new BatchInputError(`line ${line}: ${(error as Error).message}`, {
          cause: error,
          details: { line },
        });
        value = new UnreadableItem(reason);
      }
      yield { value, line };
    }
  } finally {
    lines.close();
    input.destroy(); // when the reader stops early
  }
}
