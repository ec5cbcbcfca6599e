import { CatenaError, type SerializedError, serializeError } from "@catena/core";
import type { CommanderError } from "commander";
import { CliError } from "./cli-error.ts";
import { ExitCode, type ExitCodeValue } from "./exit-codes.ts";
import { jsonText } from "./format/json-text.ts";
import type { CliIO } from "./io.ts";

/** Catena error codes that mean "the user's input or setup is wrong", hence exit code 2. */
const USAGE_CODES: ReadonlySet<string> = new Set([
  "INPUT_VALIDATION",
  "CHAIN_NOT_FOUND",
  "CHAIN_DEFINITION",
  "BATCH_INPUT",
  "BATCH_RESUME_MISMATCH",
  "DATASET_INVALID",
  "DATASET_NOT_FOUND",
  "LOCK_FILE_INVALID",
  "INVALID_SNAPSHOT",
  "RUN_NOT_FOUND",
  "FEEDBACK_INVALID",
  "TRACING_CONFIG",
  "EVALUATOR_INVALID",
  "GATE_INVALID",
  "ALIGNMENT_LABELS_INVALID",
  "CHAIN_NOT_TRAINABLE",
  "TRAINER_AMBIGUOUS",
  "TRAINER_MALFORMED",
  "TRAINER_INVALID",
  "CANDIDATE_INVALID",
  "QUEUE_URL",
]);

/** The exit code an error ends the process with (see `exit-codes.ts`). */
export function exitCodeFor(error: unknown): ExitCodeValue {
  if (error instanceof CliError) return error.exitCode;
  if (CatenaError.isInstance(error) && USAGE_CODES.has(error.code)) return ExitCode.usage;
  return ExitCode.failed;
}

/** The JSON form of an error for `--json` output. */
export function errorJson(error: unknown): SerializedError {
  if (error instanceof CliError) return { name: error.name, code: error.code, message: error.message };
  return serializeError(error);
}

/**
 * The JSON form of a usage error found by commander (unknown option or command, missing argument,
 * invalid choice): code `CLI_USAGE`, commander's own code in `details.commander`.
 */
export function usageErrorJson(error: CommanderError): SerializedError {
  return {
    name: "CliError",
    code: "CLI_USAGE",
    message: error.message.replace(/^error: /, ""),
    details: { commander: error.code },
  };
}

/**
 * Prints an error as one line `catena: <message>` on stderr; with `verbose`, the stack and the
 * causes follow. With `json`, stdout also gets `{ "status": "error", "error": ... }`.
 */
export function reportError(
  io: CliIO,
  error: unknown,
  options: { verbose: boolean; json: boolean },
): ExitCodeValue {
  const message = fileSystemMessage(error) ?? (error instanceof Error ? error.message : String(error));
  io.err(`catena: ${oneLine(message)}\n`);
  if (options.verbose) writeStack(io, error);
  if (options.json) io.out(jsonText({ status: "error", error: errorJson(error) }));
  return exitCodeFor(error);
}

/** What to do about the file-system errors a user can fix, by errno code. */
const FILE_SYSTEM_HINTS: Readonly<Record<string, string>> = {
  EACCES: "permission denied; choose a path you can write to, or change its permissions",
  EPERM: "operation not permitted; choose a path you can write to, or change its permissions",
  EROFS: "the file system is read-only; choose a path on a writable one",
  ENOTDIR: "a part of the path is a file, not a directory; choose a path that is not under a file",
  EISDIR: "it is a directory; give a file path",
  ENOSPC: "the disk is full; free some space or choose another disk",
  EEXIST: "a file is in the way; choose another path",
};

/**
 * A one-line message for a Node file-system error (which names the system call, not the option):
 * the path, what is wrong and what to do. Undefined for other errors.
 */
export function fileSystemMessage(error: unknown): string | undefined {
  const { code, path } = (error ?? {}) as NodeJS.ErrnoException;
  const hint = fileSystemHint(error);
  if (hint === undefined || typeof path !== "string") return undefined;
  return `cannot use ${path}: ${hint} (${code}).`;
}

/** What to do about a file-system error a user can fix (full disk, read-only, no permission), else undefined. */
export function fileSystemHint(error: unknown): string | undefined {
  const { code } = (error ?? {}) as NodeJS.ErrnoException;
  return code === undefined ? undefined : FILE_SYSTEM_HINTS[code];
}

/** Writes an error's stack to stderr, then the stacks of its causes (for `--verbose`). */
export function writeStack(io: CliIO, error: unknown): void {
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 8; depth++) {
    const text = current instanceof Error ? (current.stack ?? current.message) : String(current);
    io.err(`${depth === 0 ? "" : "caused by: "}${text}\n`);
    current = current instanceof Error ? current.cause : undefined;
  }
}

/** Collapses a message to one line, so that an error is always one line on stderr. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}
