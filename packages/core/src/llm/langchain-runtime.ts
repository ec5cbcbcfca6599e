import type { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { AIMessage, BaseMessage, HumanMessage } from "@langchain/core/messages";
import type { ChatPromptTemplate } from "@langchain/core/prompts";
import type { initChatModel } from "langchain/chat_models/universal";

/** The LangChain classes and functions llm steps use when they run. */
export interface LangChainRuntime {
  ChatPromptTemplate: typeof ChatPromptTemplate;
  AIMessage: typeof AIMessage;
  HumanMessage: typeof HumanMessage;
  initChatModel: typeof initChatModel;
  BaseCallbackHandler: typeof BaseCallbackHandler;
}

/** A message of a LangChain conversation. */
export type ChatMessage = BaseMessage;

let loading: Promise<LangChainRuntime> | undefined;

/**
 * Loads LangChain on first use. Importing it costs a few hundred milliseconds, which every
 * `catena` command and every program importing `@catena/core` would otherwise pay, LLM or not.
 */
export function loadLangChain(): Promise<LangChainRuntime> {
  loading ??= (async () => {
    const [prompts, messages, universal, callbacks] = await Promise.all([
      import("@langchain/core/prompts"),
      import("@langchain/core/messages"),
      import("langchain/chat_models/universal"),
      import("@langchain/core/callbacks/base"),
    ]);
    return {
      ChatPromptTemplate: prompts.ChatPromptTemplate,
      AIMessage: messages.AIMessage,
      HumanMessage: messages.HumanMessage,
      initChatModel: universal.initChatModel,
      BaseCallbackHandler: callbacks.BaseCallbackHandler,
    };
  })();
  return loading;
}
