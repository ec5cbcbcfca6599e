import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { CliError } from "../cli-error.ts";
import { displayPath } from "../format/display-path.ts";

/** The input options of `catena run`. */
export interface RunInputOptions {
  input?: string;
  text?: string;
  file?: string;
}

/** Where `--file -` reads from, and the directory relative paths are resolved against. */
export interface RunInputSource {
  cwd: string;
  stdin?: NodeJS.ReadableStream;
  /** Told when `--file -` reads a terminal, which waits for the user to type and end the input. */
  notice?: (text: string) => void;
}

/**
 * The chain input given on the command line: `--input '<json>'` parsed as JSON, `--text '<string>'`
 * as `{ "text": ... }`, or `--file <path>`: a `.json` file is the input as JSON, any other file (or
 * standard input, `--file -`) is the text, as `{ "text": ... }` without its final line break. A file
 * has no length limit, unlike an argument (a 1 MB `--text` fails with "Argument list too long").
 * Exactly one of them must be given.
 */
export async function runInput(options: RunInputOptions, source: RunInputSource): Promise<unknown> {
  const given = (["input", "text", "file"] as const).filter((k) => options[k] !== undefined);
  if (given.length > 1) {
    throw new CliError(
      `give one of --input '<json>', --text '<string>' or --file <path>, not ${given.map((k) => `--${k}`).join(" and ")}.`,
    );
  }
  if (options.text !== undefined) return { text: options.text };
  if (options.file !== undefined) return fileInput(options.file, source);
  if (options.input === undefined) {
    throw new CliError(
      "no input: give --input '<json>', --text '<string>' or --file <path> (- for standard input); `catena describe <chain>` shows the input schema.",
    );
  }
  return parseJson(options.input, "--input");
}

async function fileInput(file: string, source: RunInputSource): Promise<unknown> {
  if (file === "-") {
    const stdin = source.stdin ?? process.stdin;
    // Without a pipe, the command would sit there silently until the user ends the input.
    if ((stdin as { isTTY?: boolean }).isTTY === true)
      source.notice?.(
        "catena: reading the input from the terminal; end it with Ctrl-D (Ctrl-Z, Enter on Windows)\n",
      );
    return { text: withoutFinalNewline(await readStream(stdin)) };
  }
  const path = resolve(source.cwd, file);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "it is a directory"
          : code === "EACCES"
            ? "permission denied"
            : (error as Error).message;
    throw new CliError(`cannot read --file ${displayPath(source.cwd, path)}: ${why}.`, { cause: error });
  }
  if (/\.json$/i.test(path)) return parseJson(text, `--file ${displayPath(source.cwd, path)}`);
  return { text: withoutFinalNewline(text) };
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliError(`${what} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("utf8");
}

function withoutFinalNewline(text: string): string {
  return text.replace(/\r?\n$/, "");
}
