import { ExitCode, type ExitCodeValue } from "./exit-codes.ts";

/**
 * An error of the CLI itself (bad option value, missing file, unreadable config) with the exit
 * code it ends the process with. Its message is printed as one line: `catena: <message>`.
 */
export class CliError extends Error {
  readonly exitCode: ExitCodeValue;
  /** The error code `--json` reports: `CLI_USAGE` unless a more precise one is given (`RUN_NOT_FOUND`). */
  readonly code: string;

  constructor(message: string, options: { exitCode?: ExitCodeValue; cause?: unknown; code?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "CliError";
    this.exitCode = options.exitCode ?? ExitCode.usage;
    this.code = options.code ?? "CLI_USAGE";
  }
}
