import type { AIMessage, BaseMessage } from "@langchain/core/messages";
import type { TraceSpan } from "../types.ts";
import type { ModelSettings } from "./chat-model-resolver.ts";
import { parseModelId } from "./model-id.ts";
import { costOf, modelPrice } from "./price-table.ts";

/** A chat message in the OpenAI form LangSmith renders as a conversation. */
export interface TracedChatMessage {
  role: "system" | "user" | "assistant" | "tool";
  content: unknown;
  tool_calls?: Array<{ id?: string; type: "function"; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
}

/** One call of a chat model, as an llm run records it. */
export interface ModelCallRecord {
  /** Epoch milliseconds the call started. */
  startTime: number;
  messages: readonly BaseMessage[];
  /** `provider:model`. */
  model: string;
  settings: ModelSettings;
  /** 1 for the step's first model call, 2 for the next (a retry, a fallback or a repair), ... */
  attempt: number;
  /** Tokens the provider billed for the call, also when its answer could not be used. */
  usage?: { inputTokens: number; outputTokens: number };
}

/**
 * What an llm run holds of a model call, in the shape LangSmith reads: the messages as a
 * conversation (`inputs.messages`, OpenAI's form, as the SDK's `wrapOpenAI` records them), the
 * answer as a chat completion (`outputs.choices`) with `usage_metadata`, and the model and
 * provider in the `ls_*` metadata its cost views group by.
 */
export function modelCallAnnotation(
  call: ModelCallRecord,
  answer: AIMessage | undefined,
): {
  inputs: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  metadata: Record<string, unknown>;
} {
  const metadata = modelMetadata(call.model, call.settings);
  const inputs = { messages: call.messages.map(chatMessage) };
  const usage = usageMetadata(call, answer);
  if (answer === undefined) {
    // A billed call without an answer to show (the client rejected it) still shows its tokens.
    if (usage === undefined) return { inputs, metadata };
    metadata.usage_metadata = usage;
    return { inputs, outputs: { usage_metadata: usage }, metadata };
  }
  if (usage !== undefined) metadata.usage_metadata = usage;
  const finish = (answer.response_metadata as { finish_reason?: unknown } | undefined)?.finish_reason;
  const outputs: Record<string, unknown> = {
    choices: [
      {
        index: 0,
        message: chatMessage(answer),
        ...(typeof finish === "string" ? { finish_reason: finish } : {}),
      },
    ],
  };
  if (usage !== undefined) outputs.usage_metadata = usage;
  return { inputs, outputs, metadata };
}

/**
 * Records a model call that did not give the step its answer (a failed attempt that was retried,
 * an answer that was repaired, or a further sample) as an llm run of its own under the step's run:
 * the step's run is the call that answered, so each other call shows once, beside it.
 */
export function traceOtherCall(
  span: TraceSpan,
  name: string,
  call: ModelCallRecord,
  outcome: { error?: unknown; answer?: AIMessage; endTime?: number },
): void {
  if (!span.active) return;
  const noted = modelCallAnnotation(call, outcome.answer);
  const child = span.child({
    name,
    runType: "llm",
    inputs: noted.inputs,
    metadata: { ...noted.metadata, kind: "model-call", attempt: call.attempt },
    startTime: call.startTime,
  });
  child.end({
    ...(noted.outputs === undefined ? {} : { outputs: noted.outputs }),
    ...(outcome.error === undefined ? {} : { error: outcome.error }),
    ...(outcome.endTime === undefined ? {} : { endTime: outcome.endTime }),
    metadata: { status: outcome.error === undefined ? "done" : "error" },
  });
}

const callCounts = new WeakMap<object, number>();

/** The number of the next model call of a step's attempt (one context per attempt). */
export function nextCallNumber(ctx: object): number {
  const n = (callCounts.get(ctx) ?? 0) + 1;
  callCounts.set(ctx, n);
  return n;
}

/** LangSmith's metadata keys for the model of an llm run (as `wrapOpenAI` sets them). */
export function modelMetadata(id: string, settings: ModelSettings): Record<string, unknown> {
  const parsed = parseModelId(id);
  const metadata: Record<string, unknown> = {
    ls_provider: parsed?.provider ?? "unknown",
    ls_model_name: parsed?.model ?? id,
    ls_model_type: "chat",
  };
  if (settings.temperature !== undefined) metadata.ls_temperature = settings.temperature;
  if (settings.maxTokens !== undefined) metadata.ls_max_tokens = settings.maxTokens;
  return metadata;
}

/**
 * The call's tokens as counted (the provider's own figures), else those on the answer, and their
 * costs at the model's price (LangSmith's `input_cost`/`output_cost`/`total_cost`, which the studio
 * and LangSmith show) when the price is known: the same figures as the run's `usage`.
 */
function usageMetadata(
  call: ModelCallRecord,
  message: AIMessage | undefined,
): Record<string, number> | undefined {
  const usage = message?.usage_metadata as { input_tokens?: number; output_tokens?: number } | undefined;
  const input = call.usage?.inputTokens ?? usage?.input_tokens;
  const output = call.usage?.outputTokens ?? usage?.output_tokens;
  if (input === undefined && output === undefined) return undefined;
  const tokens = {
    input_tokens: input ?? 0,
    output_tokens: output ?? 0,
    total_tokens: (input ?? 0) + (output ?? 0),
  };
  const price = modelPrice(call.model);
  if (price === undefined) return tokens;
  return {
    ...tokens,
    input_cost: costOf(price, tokens.input_tokens, 0),
    output_cost: costOf(price, 0, tokens.output_tokens),
    total_cost: costOf(price, tokens.input_tokens, tokens.output_tokens),
  };
}

function chatMessage(message: BaseMessage): TracedChatMessage {
  const type = message.getType();
  const role: TracedChatMessage["role"] =
    type === "system" ? "system" : type === "ai" ? "assistant" : type === "tool" ? "tool" : "user";
  const out: TracedChatMessage = { role, content: message.content };
  const calls = (message as AIMessage).tool_calls;
  if (role === "assistant" && calls !== undefined && calls.length > 0) {
    out.tool_calls = calls.map((c) => ({
      ...(c.id === undefined ? {} : { id: c.id }),
      type: "function",
      function: { name: c.name, arguments: JSON.stringify(c.args) },
    }));
  }
  const toolCallId = (message as { tool_call_id?: unknown }).tool_call_id;
  if (role === "tool" && typeof toolCallId === "string") out.tool_call_id = toolCallId;
  return out;
}
