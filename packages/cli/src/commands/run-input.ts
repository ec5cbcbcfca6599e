import { CliError } from "../cli-error.ts";

/** The input options of `catena run`. */
export interface RunInputOptions {
  input?: string;
  text?: string;
}

/**
 * The chain input given on the command line: `--input '<json>'` parsed as JSON, or
 * `--text '<string>'` as `{ "text": ... }`. Exactly one of them must be given.
 */
export function runInput(options: RunInputOptions): unknown {
  if (options.input !== undefined && options.text !== undefined) {
    throw new CliError("give either --input '<json>' or --text '<string>', not both.");
  }
  if (options.text !== undefined) return { text: options.text };
  if (options.input === undefined) {
    throw new CliError(
      "no input: give --input '<json>' or --text '<string>' (see `catena describe <chain>` for the input schema).",
    );
  }
  try {
    return JSON.parse(options.input) as unknown;
  } catch (error) {
    throw new CliError(`--input is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}
