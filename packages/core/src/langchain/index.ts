/*
 * Public API of @catena/core/langchain: interop with LangChain (runnables as steps, chains as
 * runnables, a LangChain vector store, OpenAI embeddings). Importing it loads @langchain/core.
 */

export type { CatenaVectorStoreFilter, CatenaVectorStoreOptions } from "./catena-vector-store.ts";
export { CatenaVectorStore } from "./catena-vector-store.ts";
export type {
  ChainOutputEvent,
  ChainRunnable,
  ChainStreamEvent,
  ToRunnableOptions,
} from "./chain-runnable.ts";
export type { EmbeddingCache } from "./embedding-cache.ts";
export { DiskEmbeddingCache } from "./embedding-cache.ts";
export { EmbeddingProviderError } from "./embedding-provider-error.ts";
export type { OpenAiEmbedderOptions } from "./openai-embedder.ts";
export { OpenAiEmbedder, openAiEmbedder } from "./openai-embedder.ts";
export type { InvokableRunnable, RunnableStepOptions } from "./runnable-step.ts";
export { runnableStep } from "./runnable-step.ts";
export type { StepEventTracerOptions, StepFinishedEvent } from "./step-event-tracer.ts";
export { stepEventTracer } from "./step-event-tracer.ts";
export { toRunnable } from "./to-runnable.ts";
