/**
 * Where the CLI reads and writes: the process by default, buffers in tests. Every command writes
 * through it, never to `process.stdout` directly.
 */
export interface CliIO {
  /** Writes to standard output (results, reports, JSON). */
  out(text: string): void;
  /** Writes to standard error (errors, warnings, notes). */
  err(text: string): void;
  /** The directory relative paths and `catena.config.json` are resolved against. */
  readonly cwd: string;
  /** Width of the terminal stdout writes to; undefined when it is not a terminal (tables then fit 80). */
  readonly columns?: number;
  /** The stream a progress bar may draw on; undefined when stderr is not a terminal. */
  readonly progressStream?: NodeJS.WritableStream;
}

/** The IO of the running process. */
export function processIO(): CliIO {
  const io: CliIO = {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    cwd: process.cwd(),
    ...(process.stdout.isTTY && process.stdout.columns > 0 ? { columns: process.stdout.columns } : {}),
  };
  return process.stderr.isTTY ? { ...io, progressStream: process.stderr } : io;
}
