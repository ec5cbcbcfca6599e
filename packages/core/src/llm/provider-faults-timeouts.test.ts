import { ChatOpenAI } from "@langchain/openai";
import { afterEach, describe, expect, it } from "vitest";
import { resolveChatModel } from "./chat-model-resolver.ts";
import { ATTEMPTS, expectFault, type FaultCase, MODEL } from "./fixtures/fault-matrix.ts";
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
type AgentClass = new (options: object) => Dispatcher;
const agents: Dispatcher[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.close()));
});

/**
 * The class of Node's own fetch dispatcher, an undici Agent (the undici package is not a
 * dependency): what a user passes to fetch to bound headers and idle bodies. Node keeps its global
 * dispatcher under `Symbol.for("undici.globalDispatcher.1")`, which is no public API: undefined
 * when a Node release keeps it otherwise, and the cases that need it are skipped.
 */
async function nodeAgentClass(): Promise<AgentClass | undefined> {
  await fetch("data:,").catch(() => undefined); // Node creates its global dispatcher on first use
  const global = (globalThis as Record<symbol, unknown>)[Symbol.for("undici.globalDispatcher.1")];
  const Agent = (global as { constructor?: unknown } | null | undefined)?.constructor;
  const methods = (Agent as { prototype?: { dispatch?: unknown; close?: unknown } } | undefined)?.prototype;
  return typeof Agent === "function" &&
    typeof methods?.dispatch === "function" &&
    typeof methods.close === "function"
    ? (Agent as AgentClass)
    : undefined;
}
const Agent = await nodeAgentClass();

/** A fetch through an undici Agent with short timeouts. */
function fetchWith(
  NodeAgent: AgentClass,
  timeouts: { headersTimeout?: number; bodyTimeout?: number },
): typeof fetch {
  const dispatcher = new NodeAgent(timeouts);
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

/** A timeout no option of the step's or the client's set: the generic advice, nothing to raise. */
const FOREIGN =
  /last: the request timed out after \d+ ms \(Request timed out\), before the model client's own `timeout` \(600000 ms\) had passed: a timeout of the connection, the network or a proxy, not a setting of the step's or the client's\. Check the provider's status, the network and any proxy between them \(the timeout is none of the step's or the model client's\); raise `retry\.attempts`, or add `fallbacks`\.$/;

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
  {
    // The OpenAI client reports any timeout of its fetch as its own "Request timed out": this one
    // came long before the client's 10 minutes, so it names no option to raise.
    name: "no headers, a timeout below the client's (a fetch that gives up on its own, as a proxy agent's)",
    reply: () => ({ hang: true }),
    step: (url) =>
      instance(url, {
        configuration: {
          fetch: (input: string | URL | Request, init?: RequestInit) => {
            const own = AbortSignal.timeout(150);
            return fetch(input, {
              ...init,
              signal: init?.signal ? AbortSignal.any([init.signal, own]) : own,
            });
          },
        },
      }),
    code: "PROVIDER_FAILED",
    kind: "timeout",
    requests: ATTEMPTS,
    retryable: true,
    message: FOREIGN,
  },
  {
    name: "the operating system's connect timeout (connect ETIMEDOUT, as Node's fetch reports it)",
    reply: () => ({ content: "never asked" }),
    step: (url) =>
      instance(url, {
        configuration: {
          fetch: async () => {
            const os = Object.assign(new Error("connect ETIMEDOUT 10.255.255.1:443"), {
              code: "ETIMEDOUT",
              syscall: "connect",
            });
            throw new TypeError("fetch failed", { cause: os });
          },
        },
      }),
    code: "PROVIDER_FAILED",
    kind: "timeout",
    requests: 0,
    retryable: true,
    message: FOREIGN,
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

const NO_AGENT =
  'skipped: Node\'s fetch dispatcher class was not found under Symbol.for("undici.globalDispatcher.1") (no public API; this Node keeps it otherwise)';

describe("the provider fault matrix: an llm step meeting a timeout", () => {
  it.each(cases)("$name: $code after $requests request(s)", (c) => expectFault(start, c));

  it("builds the client of a model given as an id to wait as long as the step's callTimeoutMs allows, past the client's 10 minutes", async () => {
    const s = await start(() => ({ content: "late but whole" }));
    // initChatModel's model makes its ChatOpenAI on first use, through _getModelInstance.
    const built = async (callTimeoutMs: number) => {
      const { chat } = await resolveChatModel(MODEL, { baseURL: s.url, apiKey: "k" }, "ask", callTimeoutMs);
      expect(await chat.invoke("x")).toMatchObject({ content: "late but whole" });
      const made = chat as unknown as { _getModelInstance(): Promise<ChatOpenAI> };
      return (await made._getModelInstance()).timeout;
    };
    expect(await built(900_000)).toBe(901_000);
    // A shorter step keeps the client's default: the step's own timeout ends the call first.
    expect(await built(5000)).toBe(600_000);
  });

  it.skipIf(Agent === undefined).each(fetchCases)(
    `$name: $code after $requests request(s)${Agent === undefined ? ` (${NO_AGENT})` : ""}`,
    { timeout: 20_000 },
    async (c) => {
      if (Agent === undefined) return;
      const timeouts = /headers/.test(c.name) ? { headersTimeout: 100 } : { bodyTimeout: 100 };
      const fetchFn = fetchWith(Agent, timeouts);
      await expectFault(start, {
        ...c,
        step: (url) => ({ ...instance(url, { configuration: { fetch: fetchFn } }), callTimeoutMs: 10_000 }),
      });
    },
  );
});
