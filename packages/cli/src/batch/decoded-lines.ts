import { isUtf8 } from "node:buffer";
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { encodingOfBom, type InputEncoding, UTF8 } from "./input-encoding.ts";

/** One line of an input file, decoded. */
export interface DecodedLine {
  /** 1-based line number. */
  line: number;
  /** The text, without its newline (a `\r` before it is kept). Lossy when `invalid` is set. */
  text: string;
  /** Why the line's bytes are not valid in the file's encoding, when they are not. */
  invalid?: string;
}

/** Options of {@link decodedLines}. */
export interface DecodeOptions {
  /** The encoding given with `--encoding`; without it, UTF-8 unless a UTF-16 byte order mark says otherwise. */
  encoding?: InputEncoding;
}

/**
 * Streams a file's lines, each decoded on its own so that bytes that are not valid in the encoding
 * spoil only their line: it comes with `invalid` (saying which byte and how to fix it) instead of
 * being silently patched with U+FFFD. Newlines are found in the bytes (`\n`, or its two-byte form in
 * UTF-16), which no multi-byte character of these encodings contains.
 */
export async function* decodedLines(path: string, options: DecodeOptions = {}): AsyncGenerator<DecodedLine> {
  const encoding = options.encoding ?? (await sniff(path)) ?? UTF8;
  const decoder = new TextDecoder(encoding.name, { fatal: true });
  const newline = encoding.unit === 1 ? 0x0a : Buffer.from(encoding.bigEndian ? [0x00, 0x0a] : [0x0a, 0x00]);
  const input = createReadStream(path, { highWaterMark: 256 * 1024 });
  let parts: Buffer[] = [];
  let carry: Buffer | undefined; // an odd byte of UTF-16, kept for the next chunk
  let line = 0;
  const decode = (bytes: Buffer): DecodedLine => {
    line++;
    if (encoding.unit === 1 && encoding.name === "utf-8") {
      // isUtf8 is a native check: the common case costs no second decode.
      const start = line === 1 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
      if (isUtf8(bytes)) return { line, text: bytes.toString("utf8", start) };
      return { line, text: bytes.toString("utf8", start), invalid: utf8Problem(bytes) };
    }
    try {
      return { line, text: decoder.decode(bytes) };
    } catch {
      const lossy = new TextDecoder(encoding.name).decode(bytes);
      return { line, text: lossy, invalid: `bytes that are not valid ${encoding.name}` };
    }
  };
  try {
    for await (const raw of input as AsyncIterable<Buffer>) {
      let chunk = carry ? Buffer.concat([carry, raw]) : raw;
      carry = undefined;
      if (encoding.unit === 2 && chunk.length % 2 === 1) {
        carry = chunk.subarray(chunk.length - 1);
        chunk = chunk.subarray(0, chunk.length - 1);
      }
      let start = 0;
      for (let end = nextNewline(chunk, newline, 0); end >= 0; end = nextNewline(chunk, newline, start)) {
        parts.push(chunk.subarray(start, end));
        yield decode(parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts));
        parts = [];
        start = end + encoding.unit;
      }
      if (start < chunk.length) parts.push(chunk.subarray(start));
    }
    if (carry) parts.push(carry);
    if (parts.length > 0) yield decode(Buffer.concat(parts));
  } finally {
    input.destroy(); // when the reader stops early
  }
}

/** The next newline at or after `from`; in UTF-16, only at an even offset (a whole code unit). */
function nextNewline(chunk: Buffer, newline: number | Buffer, from: number): number {
  if (typeof newline === "number") return chunk.indexOf(newline, from);
  for (let at = chunk.indexOf(newline, from); at >= 0; at = chunk.indexOf(newline, at + 1)) {
    if (at % 2 === 0) return at;
  }
  return -1;
}

async function sniff(path: string): Promise<InputEncoding | undefined> {
  const handle = await open(path, "r");
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return encodingOfBom(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/** Where a line stops being valid UTF-8, said so that a person can find the byte. */
function utf8Problem(bytes: Buffer): string {
  const at = firstInvalidUtf8(bytes);
  const where =
    at < 0
      ? ""
      : ` (byte 0x${(bytes[at] as number).toString(16).toUpperCase().padStart(2, "0")} at byte ${at + 1} of the line)`;
  return `not valid UTF-8${where}`;
}

/** The offset of the first byte that does not start a valid UTF-8 sequence, or -1. */
function firstInvalidUtf8(b: Buffer): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i] as number;
    const extra =
      c < 0x80
        ? 0
        : c >= 0xc2 && c <= 0xdf
          ? 1
          : c >= 0xe0 && c <= 0xef
            ? 2
            : c >= 0xf0 && c <= 0xf4
              ? 3
              : -1;
    if (extra < 0) return i;
    const second = b[i + 1];
    if (extra > 0) {
      if (second === undefined) return i;
      // Overlong forms and surrogates are invalid even with continuation bytes.
      if ((c === 0xe0 && second < 0xa0) || (c === 0xed && second > 0x9f)) return i;
      if ((c === 0xf0 && second < 0x90) || (c === 0xf4 && second > 0x8f)) return i;
    }
    for (let k = 1; k <= extra; k++) if (((b[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    i += extra + 1;
  }
  return -1;
}
