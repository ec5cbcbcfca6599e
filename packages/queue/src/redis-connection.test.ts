import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { batchStatus } from "./batch-status.ts";
import { QueueError } from "./queue-error.ts";

/** A 127.0.0.1 port nothing listens on: the OS picks it, then it is closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

describe("a queue address where no Redis answers", () => {
  it("fails with QUEUE_UNREACHABLE naming the address and the fix, instead of waiting forever", async () => {
    const url = `redis://:secret@127.0.0.1:${await closedPort()}`;
    const error = await batchStatus(url, "abc").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueError);
    expect((error as QueueError).code).toBe("QUEUE_UNREACHABLE");
    expect((error as QueueError).message).toMatch(/No Redis answered at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+/);
    expect((error as QueueError).message).toMatch(/start redis-server/);
    expect((error as QueueError).message).not.toContain("secret");
  }, 20_000);
});
