/* A TCP proxy in front of the test Redis, for tests of a worker whose own connections are cut. */
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { until } from "./until.ts";

/** A proxy on 127.0.0.1, port 0, to a Redis on 127.0.0.1. */
export interface RedisProxy {
  /** `redis://127.0.0.1:<proxy port>`: connections made to it go through the proxy. */
  readonly url: string;
  /** Drops every connection through the proxy and refuses new ones for `ms`. */
  cut(ms: number): Promise<void>;
  /**
   * Drops every connection through the proxy and refuses new ones until `done` holds (polled), at
   * most `ms`: a cut as long as what it is for takes, however loaded the machine. Throws with
   * `what()` after `ms`, the connections allowed again.
   */
  cutUntil(done: () => boolean | Promise<boolean>, what: () => string, ms: number): Promise<void>;
  close(): void;
}

/** Starts a proxy to the Redis on 127.0.0.1:`port` that can cut every connection for a while. */
export async function redisProxy(port: number): Promise<RedisProxy> {
  const sockets = new Set<Socket>();
  let refusing = false;
  const server: Server = createServer((client) => {
    if (refusing) return void client.destroy();
    const upstream = createConnection({ host: "127.0.0.1", port });
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(a);
      a.pipe(b);
      a.on("error", () => b.destroy());
      a.on("close", () => {
        sockets.delete(a);
        b.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port: own } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${own}`,
    async cut(ms) {
      refusing = true;
      for (const socket of sockets) socket.destroy();
      await new Promise((r) => setTimeout(r, ms));
      refusing = false;
    },
    async cutUntil(done, what, ms) {
      refusing = true;
      for (const socket of sockets) socket.destroy();
      try {
        await until(done, what, ms);
      } finally {
        refusing = false;
      }
    },
    close() {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}
