/*
 * What a test tells the OpenAI-compatible test server to answer: the shapes of scripted replies
 * and of the requests the server hands to a script function.
 */

/** One message of a chat completions request, as the client sent it. */
export interface ChatRequestMessage {
  role: string;
  content?: unknown;
  tool_calls?: unknown;
  tool_call_id?: string;
  [key: string]: unknown;
}

/** The body of a `/v1/chat/completions` request, as the client sent it. */
export interface ChatRequest {
  model: string;
  messages: ChatRequestMessage[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  logprobs?: boolean;
  top_logprobs?: number;
  response_format?: {
    type: string;
    json_schema?: { name?: string; schema?: unknown; strict?: boolean; description?: string };
  };
  tools?: Array<{ type: string; function: { name: string; description?: string; parameters?: unknown } }>;
  tool_choice?: unknown;
  temperature?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  seed?: number;
  n?: number;
  [key: string]: unknown;
}

/** What a script function gets besides the request: its position and the last user message's text. */
export interface ChatRequestInfo {
  /** 0 for the first chat request this server received, 1 for the next, ... */
  index: number;
  /** Text of the last `user` message (text parts joined), for scripts that answer by content. */
  userText: string;
}

/** A successful chat completion. */
export interface ChatAnswer {
  /** Text of the assistant message. */
  content?: string;
  /**
   * A JSON value: sent as the arguments of a tool call when the request forces a function (what
   * function-calling structured output sends), else as the message content, serialised.
   */
  json?: unknown;
  /** Tool calls to answer with, arguments as values (serialised) or as raw strings. */
  toolCalls?: ReadonlyArray<{ name: string; arguments: unknown }>;
  /**
   * Log-probabilities of content tokens, by token text (whitespace trimmed); other tokens get
   * `defaultLogprob`. Sent only when the request asks for `logprobs`.
   */
  tokenLogprobs?: Readonly<Record<string, number>>;
  /** Log-probability of tokens not named in `tokenLogprobs` (default 0, i.e. certain). */
  defaultLogprob?: number;
  /**
   * The model declines: the message has this `refusal` and no content (what OpenAI sends for a
   * structured-output request it will not answer). Billed like any answer.
   */
  refusal?: string;
  /** Answers with an empty `choices` array (and the usage): a provider or proxy that lost the answer. */
  noChoices?: boolean;
  /** Usage figures to report instead of the server's own token counts. */
  usage?: { promptTokens?: number; completionTokens?: number };
  finishReason?: string;
  /** Model name to report (default: the requested model). */
  model?: string;
  /** Waits this long before answering (a slow provider). */
  delayMs?: number;
  /**
   * A streamed answer is cut off: the server sends this many chunks, then drops the connection
   * (no usage chunk, no `[DONE]`), as a provider or proxy that dies mid-answer. Unstreamed
   * requests get the whole answer.
   */
  cutAfterChunks?: number;
  /**
   * A streamed answer ends in an error event: the server sends this many chunks, then an SSE event
   * `error` whose data is `{ error: { message, type } }` (what OpenAI sends when an answer fails
   * after its headers), then closes the stream. Unstreamed requests get the whole answer.
   */
  streamError?: { afterChunks: number; message?: string; type?: string };
  /**
   * A streamed answer stalls: the server sends this many chunks, then nothing more, keeping the
   * connection open until the client gives up (a proxy that stopped relaying). Unstreamed requests
   * get the whole answer.
   */
  stallAfterChunks?: number;
}

/** An HTTP error answer: 429 with `Retry-After`, 500, 503, 400, ... */
export interface FailureReply {
  fail: number;
  /** Sent as the `Retry-After` header (whole seconds). */
  retryAfterSeconds?: number;
  /** Sent as the `retry-after-ms` header. */
  retryAfterMs?: number;
  /** Sent as the `Retry-After` header as written: an HTTP date, a huge or a garbled value. */
  retryAfter?: string;
  message?: string;
  /**
   * The error body's `type` and `code` (default by status: `rate_limit_exceeded`, `server_error`,
   * `invalid_request_error`); `insufficient_quota` is what OpenAI sends with a 429 for an account
   * out of credit.
   */
  errorCode?: string;
  /**
   * Sent as the `x-should-retry` header (`true` or `false`), with which OpenAI tells its client
   * whether to retry, whatever the status.
   */
  shouldRetry?: boolean;
  /**
   * The error message ends with the request's method and full URL and its `Authorization` header,
   * as a careless gateway or proxy echoes them: the client must not show the secrets in them.
   */
  echoRequest?: boolean;
  delayMs?: number;
}

/**
 * Never answers: the request stays open until the client gives up (a timeout). `true`: not even
 * the status and headers are sent (a server that accepted the connection and stalled);
 * `"mid-body"`: the status, the headers and part of a 200 body are sent, then nothing more, the
 * connection kept open (a socket idle mid-answer, a proxy that stopped relaying).
 */
export interface HangReply {
  hang: true | "mid-body";
}

/** Answers 200 with a body that is not valid JSON. */
export interface MalformedReply {
  malformed: true;
}

/**
 * Closes the connection: without answering (`true`: a connection error on the client), or
 * `"mid-body"`: after sending the status, the headers and part of a 200 body (a socket reset while
 * the client reads the answer).
 */
export interface DisconnectReply {
  disconnect: true | "mid-body";
}

/** What the embeddings endpoint can be told to answer instead of vectors. */
export type EmbeddingsFault = FailureReply | HangReply | MalformedReply | DisconnectReply;

/**
 * How the server answers embeddings requests that should fail: a fault, or undefined for the
 * vectors. `index` is 0 for the first embeddings request, 1 for the next, ...
 */
export type EmbeddingsScript = (
  request: EmbeddingsRequest,
  info: { index: number },
) => EmbeddingsFault | undefined | Promise<EmbeddingsFault | undefined>;

/** Anything a script can answer a chat request with. */
export type ScriptedReply = ChatAnswer | FailureReply | HangReply | MalformedReply | DisconnectReply;

/**
 * How the server answers chat requests: replies in order (one per request), or a function of the
 * request. When an ordered list runs out, the server answers 400 naming the request number.
 */
export type ChatScript =
  | readonly ScriptedReply[]
  | ((request: ChatRequest, info: ChatRequestInfo) => ScriptedReply | Promise<ScriptedReply>);

/** The body of a `/v1/embeddings` request. */
export interface EmbeddingsRequest {
  model: string;
  input: string | string[] | number[] | number[][];
  encoding_format?: "float" | "base64";
  dimensions?: number;
  [key: string]: unknown;
}

/** A requests-per-minute limit enforced as a token bucket: beyond it the server answers 429. */
export interface ServerRateLimit {
  requestsPerMinute: number;
  /** Requests allowed at once from a full bucket (default: one second's worth, at least 1). */
  burst?: number;
}

/** Random failures injected into a share of requests, reproducibly (seeded). */
export interface ServerChaos {
  /** Share of requests that fail, in [0, 1]. */
  probability: number;
  /** HTTP status of the injected failures (default 429). */
  status?: number;
  /** `Retry-After` of injected 429s, in seconds (default 1). */
  retryAfterSeconds?: number;
  /** Seed of the random draws (default 1). */
  seed?: number;
}

/** Everything the test server can be told. */
export interface TestServerOptions {
  /** TCP port on 127.0.0.1 (default 0: a free port, see `url`). */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  chat?: ChatScript;
  /** Vectors for `/v1/embeddings` (default: deterministic hashed word vectors). */
  embeddings?: (texts: string[], request: EmbeddingsRequest) => number[][] | Promise<number[][]>;
  /** Failures of `/v1/embeddings` requests (default: none, every request gets its vectors). */
  embeddingsFaults?: EmbeddingsScript;
  /** Dimension of the default embeddings when the request gives none (default 64). */
  embeddingDimension?: number;
  rateLimit?: ServerRateLimit;
  chaos?: ServerChaos;
}

/** One request the server received, in arrival order. */
export interface ReceivedRequest {
  /** 0-based position among all requests. */
  index: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  /** `performance.now()` when it arrived. */
  receivedAt: number;
  /** The HTTP status it was answered with (undefined while unanswered, or when it never was). */
  status?: number;
  /** Set when the server refused it before the script saw it: an injected failure, or the rate limit. */
  rejectedBy?: "chaos" | "rate-limit";
}
