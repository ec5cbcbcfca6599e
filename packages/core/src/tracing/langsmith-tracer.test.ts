import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineChain } from "../compile/define-chain.ts";
import { cascade, sequence } from "../flows/flow-nodes.ts";
import { run } from "../runtime/runner.ts";
import { code } from "../steps/code-step.ts";
import { regex } from "../steps/regex-step.ts";
import type { Logger } from "../types.ts";
import { langsmithTracer } from "./langsmith-tracer.ts";

/** A small regex chain with a cascade: three steps, one of them a tier. */
const chain = defineChain({
  name: "tiny-triage",
  version: "1.0.0",
  input: z.object({ text: z.string() }),
  output: z.object({ label: z.string().nullable(), confidence: z.number() }),
  flow: sequence(
    code("trim", ({ text }: { text: string }) => ({ text: text.trim() })),
    cascade("route", [
      {
        step: regex("rules", { rules: [{ label: "billing", pattern: /\b(charged|refund)\b/i }] }),
        threshold: 0.9,
      },
      { step: code("fallback", () => ({ label: "other", confidence: 0.3 })), accept: () => true },
    ]),
    code("answer", (r: { label: string | null; confidence: number }) => ({
      label: r.label,
      confidence: r.confidence,
    })),
  ),
});

/** A trace endpoint on 127.0.0.1: it records what it receives and answers per `mode`. */
interface Endpoint {
  url: string;
  bodies: string[];
  paths: string[];
  /** The `x-catena-ingest` header of each `/info` request. */
  ingestHeaders: Array<string | undefined>;
  close(): Promise<void>;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

async function endpoint(mode: "ok" | "500" | "hang"): Promise<Endpoint> {
  const bodies: string[] = [];
  const paths: string[] = [];
  const ingestHeaders: Array<string | undefined> = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of req) chunks.push(chunk as Buffer);
    } catch {
      return; // the client went away mid-upload (the tracer was closed)
    }
    paths.push(`${req.method} ${req.url}`);
    if (req.url === "/info") ingestHeaders.push(req.headers["x-catena-ingest"] as string | undefined);
    bodies.push(Buffer.concat(chunks).toString("utf8"));
    if (mode === "hang") return;
    res.statusCode = mode === "500" ? 500 : req.url === "/info" ? 200 : 202;
    res.setHeader("content-type", "application/json");
    res.end(mode === "500" ? '{"detail":"boom"}' : "{}");
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    bodies,
    paths,
    ingestHeaders,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A URL where nothing listens: a port that was free a moment ago. */
async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

/** The named parts of a multipart body, as the SDK uploads runs. */
function multipartParts(body: string): Array<{ name: string; body: string }> {
  return body
    .split(/\r?\n--?-*LangSmithFormBoundary\w*(?:--)?\r?\n?/)
    .map((chunk) => {
      const name = /name="([^"]+)"/.exec(chunk)?.[1];
      const split = chunk.indexOf("\r\n\r\n");
      return name === undefined || split < 0 ? undefined : { name, body: chunk.slice(split + 4).trim() };
    })
    .filter((p): p is { name: string; body: string } => p !== undefined);
}

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    warnings,
    debug() {},
    info() {},
    warn: (m) => void warnings.push(m),
    error: (m) => void warnings.push(m),
  };
}

/**
 * A deadlock guard, never a speed limit: how long a test waits for the tracer to get somewhere.
 * It only ends a test that would otherwise hang, so it is far above anything a loaded machine needs.
 */
const GUARD_MS = 20_000;

/** Runs the chain `n` times with the tracer; every run must finish as `done`, whatever tracing does. */
async function runAll(tracer: ReturnType<typeof langsmithTracer>, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const r = await run(chain, { text: `I was charged twice (${i})` }, { tracer });
    expect(r.status).toBe("done");
  }
}

/** Resolves once `ready()` holds, polling; the guard only ends a wait that would never end. */
async function until(ready: () => boolean, what: string): Promise<void> {
  const guard = performance.now() + GUARD_MS;
  while (!ready()) {
    if (performance.now() > guard) throw new Error(`never happened: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Whether the endpoint has received an upload of runs. */
const uploaded = (ep: Endpoint): boolean => ep.paths.some((p) => p.startsWith("POST /runs"));

describe("langsmithTracer", () => {
  it("sends every run through the SDK's batching: one multipart upload with root and steps", async () => {
    const ep = await endpoint("ok");
    const tracer = langsmithTracer({ apiUrl: ep.url, apiKey: "k", project: "unit" });
    const r = await run(chain, { text: "refund please" }, { tracer });
    const flushed = await tracer.flush();
    tracer.close();
    expect(flushed.status).toBe("sent");
    expect(ep.paths).toContain("POST /runs/multipart");
    const upload = ep.bodies.join("\n");
    // The root run's id is the chain run's id, so the id `catena run` prints finds the trace.
    expect(upload).toContain(`name="post.${r.runId}"`);
    for (const name of ["trim", "route", "rules", "answer"]) expect(upload).toContain(`"name":"${name}"`);
    expect(upload).toContain('"session_name":"unit"');
  });

  it("asks a Catena studio for JSON batches (its runs carry no attachments), unless told multipart", async () => {
    for (const ingest of ["json", "multipart"] as const) {
      const ep = await endpoint("ok");
      const tracer = langsmithTracer({ apiUrl: ep.url, apiKey: "k", ingest });
      await run(chain, { text: "refund please" }, { tracer });
      expect((await tracer.flush()).status).toBe("sent");
      tracer.close();
      expect(ep.ingestHeaders).toEqual([ingest === "json" ? "json" : undefined]);
    }
  });

  it("runs chains and settles the flush as failed when nothing listens at the endpoint", async () => {
    const logger = recordingLogger();
    const tracer = langsmithTracer({ apiUrl: await closedPort(), apiKey: "k", logger });
    await runAll(tracer, 20);
    const flushed = await tracer.flush(GUARD_MS);
    tracer.close();
    expect(flushed.status).toBe("failed");
    expect(flushed.problem).toMatch(/connection refused/);
    expect(logger.warnings.join("\n")).toMatch(/connection refused/);
  });

  it("runs chains while the endpoint answers 500, and reports the failure when the flush settles", async () => {
    const ep = await endpoint("500");
    const logger = recordingLogger();
    const tracer = langsmithTracer({ apiUrl: ep.url, apiKey: "k", logger });
    await runAll(tracer, 20);
    await until(() => uploaded(ep), "an upload reached the endpoint");
    // Runs that end while uploads are failing are not held up or failed by them either.
    await runAll(tracer, 5);
    const flushed = await tracer.flush(GUARD_MS);
    tracer.close();
    expect(flushed.status).toBe("failed");
    expect(flushed.failedRequests).toBeGreaterThan(0);
    expect(flushed.problem).toMatch(/HTTP 500/);
    expect(logger.warnings.join("\n")).toMatch(/HTTP 500/);
  });

  it("runs chains while the endpoint never answers, and gives up at the flush deadline", async () => {
    const ep = await endpoint("hang");
    const tracer = langsmithTracer({ apiUrl: ep.url, apiKey: "k" });
    await runAll(tracer, 5);
    // The tracer's first request (the SDK asks `/info` before uploading) is in flight and will never
    // be answered: the chains above finished regardless.
    await until(() => ep.paths.length > 0, "a request reached the endpoint");
    const flushed = await tracer.flush(400);
    tracer.close();
    expect(flushed.status).toBe("timeout");
  });

  it("sends nothing for runs left out by a sample rate of 0", async () => {
    const ep = await endpoint("ok");
    const tracer = langsmithTracer({ apiUrl: ep.url, apiKey: "k", sampleRate: 0 });
    await runAll(tracer, 5);
    expect((await tracer.flush()).status).toBe("sent");
    tracer.close();
    expect(ep.paths.filter((p) => p.startsWith("POST /runs"))).toEqual([]);
  });

  it("hides inputs, and redacts outputs, before anything leaves the process", async () => {
    const ep = await endpoint("ok");
    const tracer = langsmithTracer({
      apiUrl: ep.url,
      apiKey: "k",
      hideInputs: true,
      redact: (values) => JSON.parse(JSON.stringify(values).replace(/secret-\d+/g, "[redacted]")),
    });
    await run(chain, { text: "refund for secret-42" }, { tracer });
    await tracer.flush();
    tracer.close();
    const parts = multipartParts(ep.bodies.join(""));
    const inputs = parts.filter((p) => p.name.endsWith(".inputs"));
    const outputs = parts.filter((p) => p.name.endsWith(".outputs"));
    expect(inputs.length).toBeGreaterThanOrEqual(4);
    for (const part of inputs) expect(part.body).toBe("{}");
    expect(outputs.map((p) => p.body).join("\n")).toContain('"text":"refund for [redacted]"');
    expect(ep.bodies.join("")).not.toContain("secret-42");
  });

  it("rejects a sample rate outside [0, 1] with a message naming the option", () => {
    expect(() => langsmithTracer({ apiUrl: "http://127.0.0.1:1", sampleRate: 1.5 })).toThrow(
      expect.objectContaining({ code: "TRACING_CONFIG", message: expect.stringMatching(/sampleRate/) }),
    );
  });

  it("stops tracing once closed: later runs are not sent and still succeed", async () => {
    const ep = await endpoint("ok");
    const tracer = langsmithTracer({ apiUrl: ep.url, apiKey: "k" });
    tracer.close();
    expect((await run(chain, { text: "refund" }, { tracer })).status).toBe("done");
    await tracer.flush(200);
    expect(ep.paths.filter((p) => p.startsWith("POST /runs"))).toEqual([]);
  });
});
