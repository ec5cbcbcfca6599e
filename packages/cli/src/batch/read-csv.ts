import { createReadStream } from "node:fs";
import { BatchInputError, UnreadableItem } from "@catena/core";
import { type CsvError, type Info, parse } from "csv-parse";
import type { LocatedItem } from "./located-item.ts";

/**
 * Streams a CSV file with a header row: each record is one input, an object keyed by the header
 * (values are strings). A record the parser cannot read (wrong number of fields, a stray quote)
 * becomes an {@link UnreadableItem} with `line N: <reason>`, in its place among the records, so that
 * it is recorded as failed and the other records still run.
 */
export async function* readCsv(path: string): AsyncGenerator<LocatedItem> {
  // The parser reports a skipped record synchronously, in the middle of pushing the records around
  // it; pushing the unreadable item right then keeps it in file order.
  const parser = parse({
    columns: true,
    bom: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    info: true,
    on_skip: (error) => {
      if (error) parser.push(unreadable(error));
      return undefined;
    },
  });
  const input = createReadStream(path).on("error", (error) => parser.destroy(error));
  input.pipe(parser);
  try {
    for await (const chunk of parser) {
      if (isLocated(chunk)) yield chunk;
      else {
        const { record, info } = chunk as { record: unknown; info: Info };
        yield { value: record, line: info.lines };
      }
    }
  } finally {
    input.destroy(); // when the reader stops early
  }
}

const located = Symbol("located");

function unreadable(error: CsvError): LocatedItem & { [located]: true } {
  const line = typeof error.lines === "number" ? error.lines : 0;
  const message = error.message
    .replace(/^Invalid Record Length: /, "")
    .replace(/,? (on|at) line \d+\.?$/, "");
  const reason = new BatchInputError(line > 0 ? `line ${line}: ${message}` : message, {
    cause: error,
    details: line > 0 ? { line, code: error.code } : { code: error.code },
  });
  return { value: new UnreadableItem(reason), line, [located]: true };
}

function isLocated(chunk: unknown): chunk is LocatedItem {
  return typeof chunk === "object" && chunk !== null && located in chunk;
}
