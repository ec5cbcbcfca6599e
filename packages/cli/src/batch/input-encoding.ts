import { CliError } from "../cli-error.ts";

/** How a batch input file's bytes become text: the encoding, and how wide its newline is. */
export interface InputEncoding {
  /** The WHATWG name of the encoding (`utf-8`, `windows-1252` for latin1, `utf-16le`, ...). */
  name: string;
  /** Bytes per code unit: 2 for UTF-16, whose newline is two bytes; 1 for every other encoding. */
  unit: 1 | 2;
  bigEndian: boolean;
  /** True when the name came from the file's byte order mark rather than from `--encoding`. */
  sniffed: boolean;
}

/** UTF-8, the default. */
export const UTF8: InputEncoding = { name: "utf-8", unit: 1, bigEndian: false, sniffed: false };

/**
 * Parses `--encoding`: any label `TextDecoder` knows (`utf-8`, `latin1`, `windows-1252`,
 * `utf-16le`, `shift_jis`, ...).
 *
 * @example
 * inputEncoding("latin1").name // "windows-1252"
 */
export function inputEncoding(label: string): InputEncoding {
  let name: string;
  try {
    name = new TextDecoder(label.trim()).encoding;
  } catch {
    throw new CliError(
      `--encoding ${label} is not an encoding this Node knows; use a label such as utf-8, latin1, windows-1252 or utf-16le.`,
    );
  }
  return { name, unit: name.startsWith("utf-16") ? 2 : 1, bigEndian: name === "utf-16be", sniffed: false };
}

/** The encoding a byte order mark at the start of a file announces, if any. */
export function encodingOfBom(head: Uint8Array): InputEncoding | undefined {
  if (head[0] === 0xff && head[1] === 0xfe) return { ...inputEncoding("utf-16le"), sniffed: true };
  if (head[0] === 0xfe && head[1] === 0xff) return { ...inputEncoding("utf-16be"), sniffed: true };
  return undefined;
}
