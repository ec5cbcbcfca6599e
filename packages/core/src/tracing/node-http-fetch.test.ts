import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { NodeHttpFetch } from "./node-http-fetch.ts";

const transports: NodeHttpFetch[] = [];
afterEach(() => {
  for (const t of transports.splice(0)) t.close();
});

function transport(): NodeHttpFetch {
  const t = new NodeHttpFetch();
  transports.push(t);
  return t;
}

describe("NodeHttpFetch", () => {
  it("sends a text body with its length and headers, and answers like fetch", async () => {
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        res.writeHead(202, { "content-type": "application/json", "x-seen": req.headers["x-api-key"] ?? "" });
        res.end(JSON.stringify({ length: req.headers["content-length"], body }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/runs/batch`;
    try {
      const res = await transport().fetch(url, {
        method: "POST",
        headers: { "x-api-key": "k" },
        body: '{"post":[]}',
      });
      expect(res.status).toBe(202);
      expect(res.headers.get("x-seen")).toBe("k");
      expect(await res.json()).toEqual({ length: "11", body: '{"post":[]}' });
      const bytes = await transport().fetch(url, { method: "POST", body: new TextEncoder().encode("é") });
      expect(await bytes.json()).toEqual({ length: "2", body: "é" });
    } finally {
      server.close();
    }
  });

  it("fails like undici's fetch when nothing listens: TypeError with the socket error as cause", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const error = await transport()
      .fetch(`http://127.0.0.1:${port}/info`)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as { cause?: { code?: string } }).cause?.code).toBe("ECONNREFUSED");
  });

  it("rejects with the signal's reason when the request is aborted", async () => {
    const server = createServer(() => {});
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      const error = await transport()
        .fetch(url, { signal: AbortSignal.timeout(50) })
        .catch((e: unknown) => e);
      expect((error as Error).name).toBe("TimeoutError");
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
