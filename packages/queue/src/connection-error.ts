/** An error of the connection itself (refused, reset, timed out, closed), which ioredis retries. */
export function isConnectionError(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code ?? "";
  return (
    ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "EHOSTUNREACH", "EPIPE"].includes(code) ||
    /Connection is closed|connect E[A-Z]+/.test(error.message)
  );
}
