import { CliError } from "../cli-error.ts";
import { ExitCode } from "../exit-codes.ts";

/**
 * What to do when the port or address cannot be bound, for the errno codes an option fixes (a port
 * that is taken or privileged, an address the machine does not have); undefined for the others.
 */
function listenHint(code: string | undefined, port: number, host: string): string | undefined {
  const otherPort = "give another with --port <n>, or --port 0 for any free port";
  if (code === "EADDRINUSE")
    return `port ${port} on ${host} is taken (another studio or program listens there): ${otherPort}.`;
  if (code === "EACCES")
    return `port ${port} on ${host} needs privileges this user lacks (ports below 1024 usually do): ${otherPort}.`;
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND")
    return `--host ${host} is not an address of this machine: give one it has, e.g. 127.0.0.1 (the default), ::1 or 0.0.0.0.`;
  return undefined;
}

/**
 * The CLI's error for a studio that did not start. A reason the user fixes with an option (an
 * unsafe --host, a bad --public-url, a port that is taken or privileged, an address the machine
 * does not have) exits 2 like any usage error, its message naming the port and the option to
 * change; a listen failure no option fixes (too many open files, out of memory) exits 1 with the
 * studio's own message; anything else thrown is not a start error and exits 1 too.
 *
 * @param isStartError whether `error` is the studio's `StudioStartError` (loaded on demand, so the
 * caller checks it).
 */
export function studioStartFailure(
  error: unknown,
  isStartError: boolean,
  where: { port: number; host: string },
): CliError {
  const message = error instanceof Error ? error.message : String(error);
  if (!isStartError) return new CliError(message, { exitCode: ExitCode.failed, cause: error });
  const { code: reason } = error as { code: string };
  if (reason !== "listen-failed") return new CliError(message, { cause: error, code: "CLI_USAGE" });
  const errno = ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code;
  const hint = listenHint(errno, where.port, where.host);
  return hint === undefined
    ? new CliError(message, { cause: error, code: "STUDIO_LISTEN", exitCode: ExitCode.failed })
    : new CliError(`Cannot start the studio: ${hint}`, { cause: error, code: "STUDIO_LISTEN" });
}
