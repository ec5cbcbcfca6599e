import type { CommandContext } from "../command-context.ts";
import { ExitCode } from "../exit-codes.ts";

/** Ctrl-C or SIGTERM, heard while a command writes what it must not leave half done. */
export interface InterruptListener {
  /** The first signal that came, once one did. */
  readonly signal: NodeJS.Signals | undefined;
  /** Stops listening: a signal after this ends the process the default way. */
  stop(): void;
}

/**
 * Listens for Ctrl-C (SIGINT) and SIGTERM and calls `onFirst` for the first one only: a second
 * Ctrl-C while the first one's clean-up is under way must not end the process the default way
 * (no exit code, the staged folder left). Call it before making anything to clean up: a signal
 * with no listener ends the process at once.
 *
 * @example
 * const interrupt = listenForInterrupt(() => {}); // a flag, read between two files
 * try { ... } finally { interrupt.stop(); }
 */
export function listenForInterrupt(onFirst: (signal: NodeJS.Signals) => void): InterruptListener {
  let first: NodeJS.Signals | undefined;
  const handler = (signal: NodeJS.Signals): void => {
    if (first !== undefined) return;
    first = signal;
    onFirst(signal);
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    get signal() {
      return first;
    },
    stop() {
      process.removeListener("SIGINT", handler);
      process.removeListener("SIGTERM", handler);
    },
  };
}

/**
 * Ends an interrupted command: says so on stderr (`catena: interrupted` then `what`, e.g. `;
 * nothing was written to …`) and exits 130 after Ctrl-C, 143 after SIGTERM.
 */
export function exitInterrupted(ctx: CommandContext, signal: NodeJS.Signals, what: string): never {
  ctx.io.err(`catena: interrupted${what}\n`);
  return process.exit(signal === "SIGTERM" ? ExitCode.terminated : ExitCode.interrupted);
}
