import { createReadStream } from "node:fs";

/**
 * The lines of a file as byte buffers, without their `\n`, read in 1 MiB chunks: memory stays flat
 * whatever the file's size, and no line is decoded before the caller asks. A last line without a
 * newline is yielded too. The buffers may share memory with the next chunk: copy one to keep it.
 */
export async function* fileLines(path: string): AsyncGenerator<Buffer> {
  const input = createReadStream(path, { highWaterMark: 1024 * 1024 });
  let parts: Buffer[] = [];
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      let start = 0;
      for (let end = chunk.indexOf(0x0a); end >= 0; end = chunk.indexOf(0x0a, start)) {
        if (parts.length === 0) yield chunk.subarray(start, end);
        else {
          parts.push(chunk.subarray(start, end));
          yield Buffer.concat(parts);
          parts = [];
        }
        start = end + 1;
      }
      if (start < chunk.length) parts.push(chunk.subarray(start));
    }
    if (parts.length > 0) yield Buffer.concat(parts);
  } finally {
    input.destroy(); // when the reader stops early
  }
}

/** True when a line holds only spaces, tabs and carriage returns. */
export function isBlank(line: Buffer): boolean {
  return BLANK.test(line.toString("latin1"));
}

const BLANK = /^[ \t\r]*$/;
