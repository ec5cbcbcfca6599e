import type { Logger, TraceSpan } from "../types.ts";

/** The span every step gets when no tracer is attached: recording nothing costs nothing. */
export const NOOP_SPAN: TraceSpan = {
  active: false,
  child: () => NOOP_SPAN,
  end: () => {},
};

/** A logger that keeps debug and info quiet and sends warnings and errors to stderr. */
export const STDERR_LOGGER: Logger = {
  debug: () => {},
  info: () => {},
  warn: (message, fields) =>
    process.stderr.write(`catena warn: ${message}${fields ? ` ${JSON.stringify(fields)}` : ""}\n`),
  error: (message, fields) =>
    process.stderr.write(`catena error: ${message}${fields ? ` ${JSON.stringify(fields)}` : ""}\n`),
};

/** A signal that never aborts, shared by runs that were given none. */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;
