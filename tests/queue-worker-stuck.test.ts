/*
 * A worker whose blocking connection stops answering without closing (a half-open TCP connection,
 * as after a network fault between worker and Redis), on a real redis-server, through a TCP proxy
 * that black-holes the connection BullMQ blocks on (BZPOPMIN). The worker's own check notices that
 * it takes nothing while an item waits, says so, and starts again on new connections. (BullMQ's
 * own block watchdog gets out of this particular fault too, after its block timeout plus a second;
 * the check is the net for a blocking connection that never comes back, whatever the cause.)
 */
import { createServer, type Server, Socket } from "node:net";
import { ChainRegistry, code, defineChain, runBatch } from "@catena/core";
import { redisQueue, startWorker } from "@catena/queue";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { useTestRedis } from "./support/redis.ts";

const echo = defineChain({
  name: "echo",
  version: "1.0.0",
  input: z.object({ n: z.number() }),
  output: z.object({ n: z.number() }),
  flow: code("echo", ({ n }: { n: number }) => ({ n })),
});

/** A TCP proxy to Redis on 127.0.0.1; `blackhole()` silences the connections that sent BZPOPMIN so far. */
interface BlackholeProxy {
  url: string;
  blackhole(): number;
  close(): Promise<void>;
}

async function blackholeProxy(port: number): Promise<BlackholeProxy> {
  const pairs: { client: Socket; upstream: Socket; blocking: boolean; holed: boolean }[] = [];
  // allowHalfOpen: a client's FIN is not answered, as by a peer that is gone.
  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    const upstream = new Socket({ allowHalfOpen: true });
    const pair = { client, upstream, blocking: false, holed: false };
    pairs.push(pair);
    upstream.connect(port, "127.0.0.1");
    client.on("data", (chunk: Buffer) => {
      if (/bzpopmin/i.test(chunk.toString("latin1"))) pair.blocking = true;
      if (!pair.holed) upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      if (!pair.holed) client.write(chunk);
    });
    client.on("end", () => {
      if (!pair.holed) upstream.end();
    });
    upstream.on("end", () => {
      if (!pair.holed) client.end();
    });
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no proxy port");
  return {
    url: `redis://127.0.0.1:${address.port}`,
    blackhole() {
      const blocking = pairs.filter((p) => p.blocking && !p.client.destroyed);
      for (const p of blocking) p.holed = true;
      return blocking.length;
    },
    async close() {
      for (const p of pairs) {
        p.client.destroy();
        p.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const redis = useTestRedis();

describe("a worker whose blocking connection hangs (half-open)", () => {
  it("says it is stuck, starts again on new connections and takes the batch's items", async () => {
    const proxy = await blackholeProxy(redis.port);
    const stuck: string[] = [];
    const queueName = "stuck-worker";
    const worker = await startWorker({
      url: proxy.url,
      chains: new ChainRegistry([echo]),
      queueName,
      concurrency: 2,
      stuckAfterMs: 1500,
      onStuck: (message) => stuck.push(message),
    });
    try {
      // Idle: blocked on BZPOPMIN, waiting for a job.
      const deadline = Date.now() + 10_000;
      while (proxy.blackhole() === 0) {
        if (Date.now() > deadline) throw new Error("the worker never blocked on BZPOPMIN");
        await new Promise((r) => setTimeout(r, 50));
      }
      const summary = await Promise.race([
        runBatch(echo, [{ n: 1 }, { n: 2 }, { n: 3 }], { queue: redisQueue(redis.url, { queueName }) }),
        new Promise<"hung">((r) => setTimeout(() => r("hung"), 30_000)),
      ]);
      expect(summary).toMatchObject({ status: "done", done: 3 });
      expect(stuck).toHaveLength(1);
      expect(stuck[0]).toMatch(
        /^took no item for \d+ s although item .+-0 waits at the head of queue stuck-worker and none runs here: its connection to Redis no longer answers; starting again on new connections$/,
      );
      expect(worker.finished).toBe(3);
    } finally {
      await worker.close();
      await proxy.close();
    }
  }, 60_000);
});
