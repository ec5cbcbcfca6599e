import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { batchStatus } from "./batch-status.ts";
import { QueueError } from "./queue-error.ts";
import { checkRedisUrl, passwordPlaceholderUrl, redactedUrl } from "./redis-connection.ts";

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

describe("a queue address with a password, in messages", () => {
  it("is never repeated with its password by the errors of a wrong address", () => {
    for (const url of ["redis//:s3cret@h:6379", "http://:s3cret@h:6379", "http://u:s3cret@h", "s3cret@h"]) {
      let error: unknown;
      try {
        checkRedisUrl(url);
      } catch (e) {
        error = e;
      }
      expect(error, url).toBeInstanceOf(QueueError);
      expect((error as QueueError).code).toBe("QUEUE_URL");
      expect((error as QueueError).message, url).not.toContain("s3cret");
    }
  });

  it("hides what stands between // and @ in an address that does not parse", () => {
    expect(redactedUrl("redis//:s3cret@h:6379")).toBe("redis//***@h:6379");
    expect(redactedUrl("redis://:p@ss@:x")).not.toContain("p@ss");
    expect(redactedUrl("redis://:s3cret@h:6379")).toBe("redis://:***@h:6379");
    expect(redactedUrl("nope")).toBe("nope");
  });

  it("shows <password> where the password goes in a command to copy", () => {
    expect(passwordPlaceholderUrl("redis://:s3cret@127.0.0.1:6379")).toBe(
      "redis://:<password>@127.0.0.1:6379",
    );
    expect(passwordPlaceholderUrl("redis://app:s3cret@h:1/0")).toBe("redis://app:<password>@h:1/0");
    expect(passwordPlaceholderUrl("redis://h:1")).toBe("redis://h:1");
  });
});
