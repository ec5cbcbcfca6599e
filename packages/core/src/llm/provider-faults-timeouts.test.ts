import { ChatOpenAI } from "@langchain/openai";
import { afterEach, describe, it } from "vitest";
import { ATTEMPTS, expectFault, type FaultCase } from "./fixtures/fault-matrix.ts";
import { testServers } from "./fixtures/provider-fixture.ts";

// The provider fault matrix, timeouts: a server that accepts the connection and never sends its
// headers, or sends part of an answer and then idles, met by each timeout that can end the call:
// the step's `callTimeoutMs`, the model client's own `timeout`, and fetch's (undici's)
// `headersTimeout` / `bodyTimeout`. Each fails with kind `timeout`, is retried, and says which
// option ran out (see fixtures/fault-matrix.ts).

const start = testServers();

interface Dispatcher {
  close(): Promise<void>;
}
const agents: Dispatcher[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.close()));
});

/**
 * An undici Agent with short timeouts, from the class of Node's own fetch dispatcher (the undici
 * package is not a dependency): what a user passes to fetch to bound headers and idle bodies.
 */
async function fetchWith(timeouts: { headersTimeout?: number; bodyTimeout?: number }): Promise<typeof fetch> {
  await fetch("data:,").catch(() => undefined); // Node creates its global dispatcher on first use
  const global = (globalThis as Record<symbol, unknown>)[Symbol.for("undici.globalDispatcher.1")];
  const Agent = (global as { constructor: new (options: object) => Dispatcher }).constructor;
  const dispatcher = new Agent(timeouts);
  agents.push(dispatcher);
  return (url, init) => fetch(url, { ...init, dispatcher } as RequestInit);
}

/** The step's model as an instance of the test's own, at the test server. */
const instance = (url: string, options: Record<string, unknown>) => ({
  model: new ChatOpenAI({
    model: "gpt-4.1-mini-2025-04-14",
    apiKey: "k",
    maxRetries: 0,
    ...options,
    configuration: { baseURL: url, ...(options.configuration as object | undefined) },
  }),
});

const cases: FaultCase[] = [
  {
    name: "a 200 whose body stalls mid-way (the step's callTimeoutMs)",
    reply: () => ({ hang: "mid-body" }),
    step: { callTimeoutMs: 200 },
    code: "PROVIDER_FAILED",
    kind: "timeout",
    requests: ATTEMPTS,
    retryable: true,
    message:
      /last: no answer within 200 ms \(the step's `callTimeoutMs`\)\. If the model needs longer .*raise the timeout named above/,
  },
  {
    name: "no headers, the model client's own timeout",
    reply: () => ({ hang: true }),
    step: (url) => instance(url, { timeout: 200 }),
    code: "PROVIDER_FAILED",
    kind: "timeout",
    requests: ATTEMPTS,
    retryable: true,
    message:
      /last: the model's client gave up waiting \(Request timed out\): its own `timeout` passed, which the step's `callTimeoutMs` does not set; raise the `timeout` of the model instance\. If the model needs longer/,
  },
];

// undici checks its timeouts about once a second: these take a second or two per request.
const fetchCases: FaultCase[] = [
  {
    name: "no headers, fetch's headersTimeout",
    reply: () => ({ hang: true }),
    step: () => ({}),
    code: "PROVIDER_FAILED",
    kind: "timeout",
    requests: ATTEMPTS,
    retryable: true,
    message:
      /last: the provider sent no response headers within the HTTP client's `headersTimeout` \(UND_ERR_HEADERS_TIMEOUT\); raise `headersTimeout` of the fetch dispatcher/,
  },
  {
    name: "a body idle mid-way, fetch's bodyTimeout",
    reply: () => ({ hang: "mid-body" }),
    step: () => ({}),
    code: "PROVIDER_FAILED",
    kind: "timeout",
    requests: ATTEMPTS,
    retryable: true,
    message:
      /last: the answer stalled mid-body longer than the HTTP client's `bodyTimeout` \(UND_ERR_BODY_TIMEOUT\); raise `bodyTimeout` of the fetch dispatcher/,
  },
];

describe("the provider fault matrix: an llm step meeting a timeout", () => {
  it.each(cases)("$name: $code after $requests request(s)", (c) => expectFault(start, c));

  it.each(fetchCases)("$name: $code after $requests request(s)", { timeout: 20_000 }, async (c) => {
    const timeouts = /headers/.test(c.name) ? { headersTimeout: 100 } : { bodyTimeout: 100 };
    const fetchFn = await fetchWith(timeouts);
    await expectFault(start, {
      ...c,
      step: (url) => ({ ...instance(url, { configuration: { fetch: fetchFn } }), callTimeoutMs: 10_000 }),
    });
  });
});
