import { AsyncLocalStorage } from "node:async_hooks";

/** What one successful (2xx) provider response said, read from its HTTP body. */
export interface MeteredResponse {
  /**
   * Whether the body reported usage. A stream cut off before its last chunk never does, and its
   * tokens are not counted: the provider's figure is unknown and none is made up.
   */
  reported: boolean;
  inputTokens: number;
  outputTokens: number;
  /** Of `outputTokens`, those a reasoning model spent thinking (sent as no text), when reported. */
  reasoningTokens?: number;
  /**
   * Choices the answer held (a stream: 1 once a chunk had one); undefined for bodies that are not
   * chat completions (the Responses API).
   */
  choices?: number;
  finishReason?: string;
  /** The first choice's `refusal`, when the model declined. */
  refusal?: string;
  /** The first choice's content as sent (unstreamed answers), for an answer the client could not read. */
  content?: string;
}

/** Tokens of the responses a model call got. */
export interface MeteredTokens {
  inputTokens: number;
  outputTokens: number;
  /** Whether any response reported usage. */
  reported: boolean;
}

// Longest wait for the copy of a body once the call is over: the client has read (or dropped) the
// original by then, so the copy ends at once; the bound only keeps a pathological body from
// holding the step.
const SETTLE_LIMIT_MS = 2000;

/**
 * The provider responses of one model call, read from the HTTP bodies as they arrive by
 * {@link meteredFetch}: what each billed response reported (tokens, choices, finish reason,
 * refusal), whatever the client does with it afterwards. The OpenAI client rejects some billed
 * answers before LangChain sees them (structured output that is not JSON, or stopped by the token
 * limit or the content filter), so their usage never reaches the message; here it is counted.
 */
export class ResponseMeter {
  readonly responses: MeteredResponse[] = [];
  readonly #reading: Promise<void>[] = [];

  /** Reads a copy of a response's body in the background. */
  watch(response: Response): void {
    const reading = readResponse(response).then(
      (read) => {
        if (read !== undefined) this.responses.push(read);
      },
      // A body cut off mid-way (or aborted) reported nothing.
      () => undefined,
    );
    this.#reading.push(reading);
  }

  /** The tokens reported, once every body read so far has ended. */
  async settled(): Promise<MeteredTokens> {
    if (this.#reading.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, SETTLE_LIMIT_MS);
        timer.unref();
      });
      await Promise.race([Promise.all(this.#reading), limit]);
      clearTimeout(timer);
    }
    let inputTokens = 0;
    let outputTokens = 0;
    let reported = false;
    for (const r of this.responses) {
      inputTokens += r.inputTokens;
      outputTokens += r.outputTokens;
      reported ||= r.reported;
    }
    return { inputTokens, outputTokens, reported };
  }

  /** The last response read, if any. */
  get last(): MeteredResponse | undefined {
    return this.responses.at(-1);
  }
}

const current = new AsyncLocalStorage<ResponseMeter>();

/** Runs `call` so that the responses {@link meteredFetch} gets while it runs go to `meter`. */
export function metered<T>(meter: ResponseMeter, call: () => Promise<T>): Promise<T> {
  return current.run(meter, call);
}

/**
 * A `fetch` for the OpenAI client of the chat models llm steps create: it hands a copy of each
 * successful response to the meter of the model call it belongs to (found through the call's async
 * context), and the response itself, untouched, to the client.
 */
export async function meteredFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const response = await globalThis.fetch(input, init);
  const meter = current.getStore();
  if (meter !== undefined && response.ok && response.body !== null) meter.watch(response.clone());
  return response;
}

/** Reads a JSON or server-sent-events body; undefined for other bodies. */
async function readResponse(response: Response): Promise<MeteredResponse | undefined> {
  const type = response.headers.get("content-type") ?? "";
  if (type.includes("text/event-stream")) return readStream(response);
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // A malformed body: the client fails on it too, and it reported nothing countable.
    return undefined;
  }
  const read = blank();
  addBody(read, body, true);
  return read;
}

/** Reads a stream of `data:` events: usage from the chunk that carries it, choices from the rest. */
async function readStream(response: Response): Promise<MeteredResponse> {
  const read = blank();
  read.choices = 0;
  const decoder = new TextDecoder();
  let pending = "";
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    pending += done ? decoder.decode() : decoder.decode(value, { stream: true });
    const lines = pending.split("\n");
    pending = done ? "" : (lines.pop() ?? "");
    for (const line of lines) {
      if (!line.startsWith("data:")) continue;
      // Most events are a token each: only those that can say something are parsed.
      if (read.choices === 0 && CHOICE.test(line)) read.choices = 1;
      if (!TELLING.test(line)) continue;
      try {
        addBody(read, JSON.parse(line.slice(5)), false);
      } catch {
        // An unreadable event: the client decides what it means.
      }
    }
    if (done) return read;
  }
}

// A chunk with a choice; one with usage, a refusal or a finish reason (not `null`).
const CHOICE = /"choices"\s*:\s*\[\s*\{/;
const TELLING = /"(?:usage|response)"\s*:\s*\{|"(?:refusal|finish_reason)"\s*:\s*"/;

function blank(): MeteredResponse {
  return { reported: false, inputTokens: 0, outputTokens: 0 };
}

interface Body {
  object?: unknown;
  usage?: Usage | null;
  response?: { usage?: Usage | null };
  choices?: Array<{
    finish_reason?: unknown;
    message?: { content?: unknown; refusal?: unknown };
    delta?: { refusal?: unknown };
  }>;
}

/** Chat completions (`prompt_tokens`) and Responses (`input_tokens`) usage. */
interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
  input_tokens?: number;
  output_tokens?: number;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
  output_tokens_details?: { reasoning_tokens?: number } | null;
}

/** Records what a body (or a stream's chunk) says. */
function addBody(read: MeteredResponse, value: unknown, whole: boolean): void {
  if (typeof value !== "object" || value === null) return;
  const body = value as Body;
  // A Responses API stream reports usage on its `response.completed` event.
  const usage = body.usage ?? body.response?.usage;
  if (usage) {
    // The last report wins: a stream reports once at its end (OpenAI) or a running total on every
    // chunk (vLLM's continuous usage), never a per-chunk share, so adding would count it many times.
    read.reported = true;
    read.inputTokens = usage.prompt_tokens ?? usage.input_tokens ?? 0;
    read.outputTokens = usage.completion_tokens ?? usage.output_tokens ?? 0;
    const reasoning =
      usage.completion_tokens_details?.reasoning_tokens ?? usage.output_tokens_details?.reasoning_tokens;
    if (typeof reasoning === "number") read.reasoningTokens = reasoning;
  }
  if (!Array.isArray(body.choices)) return;
  if (whole) read.choices = body.choices.length;
  const choice = body.choices[0];
  if (choice === undefined) return;
  if (typeof choice.finish_reason === "string") read.finishReason = choice.finish_reason;
  const refusal = choice.message?.refusal ?? choice.delta?.refusal;
  if (typeof refusal === "string" && refusal !== "") read.refusal = (read.refusal ?? "") + refusal;
  const content = choice.message?.content;
  if (typeof content === "string") read.content = content;
}
