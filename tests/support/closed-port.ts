/* A 127.0.0.1 port that nothing listens on: for "the server is not there" tests, and a free port to start one on. */
import { createServer } from "node:net";

/** A port the OS just handed out on 127.0.0.1 and that nobody listens on any more. */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}
