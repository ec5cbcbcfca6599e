import { Readable } from "node:stream";
import { BatchInputError, UnreadableItem } from "@catena/core";
import { type CsvError, type Info, parse } from "csv-parse";
import { type DecodeOptions, decodedLines } from "./decoded-lines.ts";
import { encodingHint } from "./encoding-hint.ts";
import { LineMarks } from "./line-marks.ts";
import type { LocatedItem } from "./located-item.ts";

/** Options of {@link readCsv}: the encoding, and whether fields are separated by tabs. */
export interface ReadCsvOptions extends DecodeOptions {
  /**
   * Tab-separated (`.tsv`): one record a line, and a quote is text (`my 5" card`), never quoting,
   * as `catena train` and `catena calibrate` read TSV (`readLabelledCsv` in `@catena/core/ml`).
   */
  tabs?: boolean;
  /**
   * The chain's input fields: a header that names one in another case (`Text` for `text`) is read
   * as that field, as `catena train` reads its columns. A header with the exact name wins; two that
   * differ from the field only in case, without one that matches it exactly, are refused.
   */
  fields?: readonly string[];
}

/**
 * Streams a CSV file with a header row: each record is one input, an object keyed by the header
 * (values are strings); with `tabs`, a TSV file. A record the parser cannot read (wrong number of fields, a stray quote,
 * bytes not valid in the file's encoding) becomes an {@link UnreadableItem} with `line N: <reason>`,
 * in its place among the records, so that it is recorded as failed and the other records still run.
 * A quote that is never closed would swallow the rest of the file into one field: it is reported at
 * the line where it opened, and reading starts again on the next line, so no record is lost.
 */
export async function* readCsv(path: string, options: ReadCsvOptions = {}): AsyncGenerator<LocatedItem> {
  let fromLine = 1;
  let columns: string[] | undefined;
  for (;;) {
    const pass = csvPass(path, options, fromLine, columns);
    let next = await pass.next();
    while (!next.done) {
      yield next.value;
      next = await pass.next();
    }
    const { header, unclosedAt } = next.value;
    columns = header;
    if (unclosedAt === undefined) return;
    if (columns === undefined) {
      throw new BatchInputError(
        `line ${unclosedAt}: the header row has a quote that is never closed; fix the header and run again.`,
        { details: { line: unclosedAt } },
      );
    }
    yield unreadable(
      unclosedAt,
      `a quote opened on this line is never closed, so it would swallow the rest of the file; close it, and write a quote inside a field as ""`,
      "CSV_QUOTE_NOT_CLOSED",
    );
    fromLine = unclosedAt + 1;
  }
}

interface PassEnd {
  header: string[] | undefined;
  /** The line where a quote opened that was still open at the end of the file. */
  unclosedAt?: number;
}

/** Parses the file from `fromLine` on (the header row is line 1 when `columns` is not known yet). */
async function* csvPass(
  path: string,
  options: ReadCsvOptions,
  fromLine: number,
  columns: string[] | undefined,
): AsyncGenerator<LocatedItem, PassEnd> {
  const invalid = new LineMarks<string>(); // lines whose bytes do not decode
  const oddQuotes = new LineMarks<true>(); // lines with an odd number of quotes: a quoted field opens or closes there
  let header = columns;
  let headerError: Error | undefined;
  let unclosed = false;
  let unclosedAt: number | undefined;
  const offset = fromLine - 1; // the parser counts lines from where this pass starts
  let lastEnd = columns === undefined ? 1 : offset; // the last line of the previous record

  async function* text(): AsyncGenerator<string> {
    let batch: string[] = [];
    let size = 0;
    for await (const decoded of decodedLines(path, options)) {
      if (decoded.line < fromLine) continue;
      if (decoded.invalid !== undefined) invalid.mark(decoded.line, decoded.invalid);
      if (options.tabs !== true && quoteCount(decoded.text) % 2 === 1) oddQuotes.mark(decoded.line, true);
      batch.push(decoded.text);
      size += decoded.text.length;
      if (size >= 64 * 1024) {
        yield `${batch.join("\n")}\n`;
        batch = [];
        size = 0;
      }
    }
    if (batch.length > 0) yield `${batch.join("\n")}\n`;
  }

  // The parser reports a skipped record synchronously, in the middle of pushing the records around
  // it; pushing the unreadable item right then keeps it in file order.
  const parser = parse({
    columns:
      columns ??
      ((row: string[]) => {
        // Thrown from here the error would be the parser's; it is thrown before the first record.
        try {
          header = fieldColumns(row, options.fields ?? []);
        } catch (error) {
          headerError = error as Error;
          header = row;
        }
        return header;
      }),
    bom: true,
    // Tab-separated text has no quoting, so a stray quote can never merge records.
    ...(options.tabs === true ? { delimiter: "\t", quote: false } : {}),
    skip_empty_lines: true,
    skip_records_with_error: true,
    info: true,
    on_skip: (error) => {
      if (!error) return undefined;
      if (error.code === "CSV_QUOTE_NOT_CLOSED") unclosed = true;
      else parser.push({ [skipped]: error });
      return undefined;
    },
  });
  const input = Readable.from(text()).on("error", (error) => parser.destroy(error));
  input.pipe(parser);
  try {
    for await (const chunk of parser) {
      if (headerError !== undefined) throw headerError;
      if (isSkip(chunk)) {
        const error = chunk[skipped];
        const line = typeof error.lines === "number" ? error.lines + offset : 0;
        const opened = oddQuotes.firstAfter(lastEnd);
        if (error.code === "CSV_INVALID_CLOSING_QUOTE" && opened !== undefined && opened < line) {
          // A quote "closed" lines after it opened, by a quote that opens the next record's field:
          // the first quote was never closed, and the records between belong to the next pass.
          unclosedAt = opened;
          break;
        }
        yield fromParser(error, line, lastEnd);
        if (line > lastEnd) {
          invalid.forget(line);
          oddQuotes.forget(line);
          lastEnd = line;
        }
        continue;
      }
      const { record, info } = chunk as { record: unknown; info: Info };
      const end = info.lines + offset;
      const bad = invalid.firstIn(lastEnd, end);
      oddQuotes.forget(end);
      lastEnd = end;
      if (bad !== undefined) {
        yield unreadable(bad.line, `${bad.value}; ${encodingHint(options)}`, "INVALID_ENCODING");
      } else yield { value: record, line: end };
    }
  } finally {
    input.destroy(); // when the reader stops early
  }
  if (headerError !== undefined) throw headerError;
  if (unclosedAt !== undefined) return { header, unclosedAt };
  if (!unclosed) return { header };
  // The quote that stays open is the last unpaired one after the last whole record.
  const opened = oddQuotes.unpairedAfter(lastEnd) ?? lastEnd + 1;
  return { header, unclosedAt: opened };
}

function quoteCount(text: string): number {
  let count = 0;
  for (let at = text.indexOf('"'); at >= 0; at = text.indexOf('"', at + 1)) count++;
  return count;
}

const skipped = Symbol("skipped");

function unreadable(line: number, message: string, code: string): LocatedItem {
  const reason = new BatchInputError(`line ${line}: ${message}`, { details: { line, code } });
  return { value: new UnreadableItem(reason), line };
}

function fromParser(error: CsvError, line: number, lastEnd: number): LocatedItem {
  const message = error.message
    .replace(/^Invalid Record Length: /, "")
    .replace(/,? (on|at) line \d+\.?$/, "")
    .replace(/ at line \d+/, "");
  // A record that began lines before its error swallowed those lines: say so, they are in it.
  const where = line > lastEnd + 1 ? ` (the record starts on line ${lastEnd + 1})` : "";
  const reason = new BatchInputError(line > 0 ? `line ${line}: ${message}${where}` : message, {
    cause: error,
    details: line > 0 ? { line, code: error.code } : { code: error.code },
  });
  return { value: new UnreadableItem(reason), line };
}

function isSkip(chunk: unknown): chunk is { [skipped]: CsvError } {
  return typeof chunk === "object" && chunk !== null && skipped in chunk;
}

/**
 * The header with each column that names one of `fields` in another case renamed to the field: the
 * exact name wins; two columns equal to the field ignoring case, with none equal to it exactly, are
 * a `BatchInputError` (which one is meant cannot be told).
 */
function fieldColumns(header: readonly string[], fields: readonly string[]): string[] {
  const out = [...header];
  for (const field of fields) {
    if (header.includes(field)) continue;
    const at = header.flatMap((h, i) => (h.toLowerCase() === field.toLowerCase() ? [i] : []));
    if (at.length > 1) {
      const names = at.map((i) => JSON.stringify(header[i])).join(" and ");
      throw new BatchInputError(
        `line 1: the header has ${names}, which differ only in case; the chain's input field "${field}" could be either: rename the column meant to "${field}" and run again.`,
        { details: { line: 1, field, columns: at.map((i) => header[i]) } },
      );
    }
    if (at[0] !== undefined) out[at[0]] = field;
  }
  return out;
}
