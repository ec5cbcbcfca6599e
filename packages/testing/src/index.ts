// Public API of @catena/testing: test support shared by the packages' tests and the benchmarks.

export { type JsonServerScript, loadServerScript, type ScriptRule } from "./load-server-script.ts";
export type { OpenAiTestServer } from "./openai-test-server.ts";
export { startOpenAiTestServer } from "./openai-test-server.ts";
export { serverCommand } from "./server-command.ts";
export type {
  ChatAnswer,
  ChatRequest,
  ChatRequestInfo,
  ChatRequestMessage,
  ChatScript,
  DisconnectReply,
  EmbeddingsFault,
  EmbeddingsRequest,
  EmbeddingsScript,
  FailureReply,
  HangReply,
  MalformedReply,
  ReceivedRequest,
  ScriptedReply,
  ServerChaos,
  ServerRateLimit,
  TestServerOptions,
} from "./server-script.ts";
export { splitTokens } from "./split-tokens.ts";
