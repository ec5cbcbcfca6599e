import { StudioHttpError } from "../http/studio-http-error.ts";
import type { StudioExample } from "./example-store.ts";

/** A chat message as OpenAI's fine-tuning files hold it. */
export interface OpenAiMessage {
  role: string;
  content: unknown;
  [key: string]: unknown;
}

// LangChain's message types and class names, as LangSmith's chat datasets store them.
const roles: Record<string, string> = {
  human: "user",
  user: "user",
  humanmessage: "user",
  ai: "assistant",
  assistant: "assistant",
  aimessage: "assistant",
  system: "system",
  systemmessage: "system",
  tool: "tool",
  toolmessage: "tool",
  function: "function",
  functionmessage: "function",
  developer: "developer",
};

/**
 * One line of `GET /datasets/{id}/openai_ft` (`readDatasetOpenaiFinetuning`): the example's input
 * messages and its output message as `{"messages": [...]}`. Input is `inputs.input` (or
 * `inputs.messages`), a list of messages or a prompt text; output is `outputs.output` (or
 * `outputs.message`), a message or a text. Messages may be `{role, content}`, `{type, content}` or
 * LangChain's serialized form. Anything else is a 422 naming the example.
 */
export function toOpenAiFinetuning(example: StudioExample): { messages: OpenAiMessage[] } {
  const fail = (what: string): never => {
    throw new StudioHttpError(
      422,
      `Example ${example.id} cannot be exported for OpenAI fine-tuning: ${what}. A chat example holds inputs {"input": [messages]} and outputs {"output": message} (as createChatExample stores them); an LLM example, texts.`,
    );
  };
  const input = example.inputs.input ?? example.inputs.messages;
  const messages: OpenAiMessage[] = [];
  if (typeof input === "string") messages.push({ role: "user", content: input });
  else if (Array.isArray(input)) {
    for (const [i, m] of input.entries()) {
      messages.push(toMessage(m) ?? fail(`inputs.input[${i}] is not a message`));
    }
  } else fail('its inputs have no "input" list of messages or prompt text');
  const output = example.outputs?.output ?? example.outputs?.message;
  if (typeof output === "string") messages.push({ role: "assistant", content: output });
  else if (output !== undefined && output !== null) {
    messages.push(toMessage(output) ?? fail("outputs.output is not a message"));
  }
  return { messages };
}

function toMessage(value: unknown): OpenAiMessage | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const raw = value as Record<string, unknown>;
  // LangChain's serialized form: {lc: 1, type: "constructor", id: [..., "HumanMessage"], kwargs: {...}}
  if (
    raw.lc !== undefined &&
    Array.isArray(raw.id) &&
    typeof raw.kwargs === "object" &&
    raw.kwargs !== null
  ) {
    const kwargs = raw.kwargs as Record<string, unknown>;
    const role = roles[String(raw.id.at(-1)).toLowerCase()] ?? roleOf(kwargs);
    return role === undefined ? undefined : { ...pick(kwargs), role };
  }
  // {type: "human", data: {content}} (LangChain's message dict) or {type|role, content}
  const data =
    typeof raw.data === "object" && raw.data !== null ? (raw.data as Record<string, unknown>) : raw;
  const role = roleOf(raw);
  if (role === undefined || data.content === undefined) return undefined;
  return { ...pick(data), role };
}

function roleOf(raw: Record<string, unknown>): string | undefined {
  const name = raw.role ?? raw.type;
  return typeof name === "string" ? roles[name.toLowerCase()] : undefined;
}

// The fields OpenAI's fine-tuning format knows besides the role.
function pick(raw: Record<string, unknown>): { content: unknown; [key: string]: unknown } {
  const out: { content: unknown; [key: string]: unknown } = { content: raw.content ?? null };
  for (const key of ["name", "tool_calls", "tool_call_id", "function_call"]) {
    const value = raw[key];
    if (value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0))
      out[key] = value;
  }
  return out;
}
