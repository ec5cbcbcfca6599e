import type { ExitCodeValue } from "./exit-codes.ts";
import type { CliIO } from "./io.ts";

/** What every command gets: where to write, and how to set the exit code of the process. */
export interface CommandContext {
  readonly io: CliIO;
  /** Sets the exit code `main` returns once the command has finished. */
  setExitCode(code: ExitCodeValue): void;
}
