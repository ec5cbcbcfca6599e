import { ExitCode, type ExitCodeValue } from "./exit-codes.ts";

/**
 * An error of the CLI itself (bad option value, missing file, unreadable config) with the exit
 * code it ends the process with. Its message is printed as one line: `catena: <message>`.
 */
export class CliError extends Error {
  readonly exitCode: ExitCodeValue;

  constructor(message: string, options: { exitCode?: ExitCodeValue; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "CliError";
    this.exitCode = options.exitCode ?? ExitCode.usage;
  }
}
