import { LongText } from "./json-fold.tsx";

/** One chat message as the page shows it. */
export interface ChatMessage {
  role: string;
  content: string;
}

/**
 * The chat messages of an LLM run's inputs or outputs, in the forms LangSmith renders as a
 * conversation: `{messages: [...]}` (also nested one level, as LangChain sends them), OpenAI's
 * `{role, content}`, LangChain's serialized messages (`{lc: 1, id: [..., "HumanMessage"], kwargs}`)
 * and `{type, data: {content}}`; outputs as `generations` or `{message}`. `undefined` when none.
 */
export function chatMessagesOf(value: unknown): ChatMessage[] | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as Record<string, unknown>;
  let list: unknown[] | undefined;
  if (Array.isArray(record.messages)) list = record.messages.flat();
  else if (Array.isArray(record.generations)) {
    list = record.generations.flat().map((g) => (g as { message?: unknown; text?: unknown }).message ?? g);
  } else if (record.message !== undefined) list = [record.message];
  else if (record.role !== undefined && record.content !== undefined) list = [record];
  if (list === undefined) return undefined;
  const messages = list.map(toMessage).filter((m): m is ChatMessage => m !== undefined);
  return messages.length === 0 ? undefined : messages;
}

function toMessage(raw: unknown): ChatMessage | undefined {
  if (typeof raw !== "object" || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  const kwargs = (m.kwargs ?? m.data ?? m) as Record<string, unknown>;
  const ids = Array.isArray(m.id) ? (m.id as unknown[]) : [];
  const className = typeof ids.at(-1) === "string" ? String(ids.at(-1)) : "";
  const role =
    (typeof m.role === "string" && m.role) ||
    (typeof kwargs.role === "string" && kwargs.role) ||
    (typeof m.type === "string" && m.type !== "constructor" && m.type) ||
    className.replace(/MessageChunk$|Message$/, "").toLowerCase() ||
    (typeof m.text === "string" ? "ai" : "");
  const content = kwargs.content ?? m.text;
  if (role === "" || content === undefined) return undefined;
  return { role, content: typeof content === "string" ? content : JSON.stringify(content, null, 2) };
}

/** Chat messages, one bubble per message, labelled by role. */
export function ChatMessages({ messages, label }: { messages: ChatMessage[]; label: string }) {
  return (
    <ol class="chat" aria-label={label}>
      {messages.map((m, i) => (
        <li key={i} class={`chat-message chat-${m.role}`}>
          <span class="chat-role">{m.role}</span>
          <LongText text={m.content} class="chat-content" />
        </li>
      ))}
    </ol>
  );
}
