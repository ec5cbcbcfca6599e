import type { BaseMessage } from "@langchain/core/messages";
import type { JsonValue } from "../types.ts";
import { loadLangChain } from "./langchain-runtime.ts";
import { templateVariables } from "./template-variables.ts";

/** A LangChain `ChatPromptTemplate`, or anything with its variables and `formatMessages`. */
export interface ChatPromptLike {
  readonly inputVariables: readonly string[];
  formatMessages(values: Record<string, unknown>): Promise<BaseMessage[]>;
}

/**
 * The prompt of an llm step: a user message template, system and user templates, or a LangChain
 * `ChatPromptTemplate`. String templates use LangChain's f-string syntax: `{variable}`, `{{` for a brace.
 */
export type LlmPromptInput = string | { system?: string; user: string } | ChatPromptLike;

/** A worked example shown to the model before the real input: the input's variables and the answer. */
export interface FewShotExample {
  input: Readonly<Record<string, unknown>> | string;
  output: unknown;
}

/** A prompt ready to use: its variables, its fingerprinted text, and how to turn values into messages. */
export interface CompiledPrompt {
  readonly variables: readonly string[];
  readonly spec: JsonValue;
  /** The messages for one input: leading system messages, the examples as user/assistant turns, the rest. */
  format(values: Record<string, string>, examples: readonly FewShotExample[]): Promise<BaseMessage[]>;
}

/**
 * Compiles an llm step's prompt: reads its variables now (when the chain is defined) and builds
 * the LangChain template on first use.
 *
 * @example
 * compilePrompt({ system: "Answer in one word.", user: "Intent of: {text}" }).variables // ["text"]
 */
export function compilePrompt(prompt: LlmPromptInput): CompiledPrompt {
  let template: () => Promise<ChatPromptLike>;
  let variables: string[];
  let spec: JsonValue;
  if (typeof prompt === "string" || isSystemUser(prompt)) {
    const { system, user } = typeof prompt === "string" ? { system: undefined, user: prompt } : prompt;
    const parts: Array<[string, string]> =
      system === undefined
        ? [["human", user]]
        : [
            ["system", system],
            ["human", user],
          ];
    variables = [...new Set(parts.flatMap(([, text]) => templateVariables(text)))];
    spec = { system: system ?? null, user };
    let built: Promise<ChatPromptLike> | undefined;
    template = () =>
      (built ??= loadLangChain().then(({ ChatPromptTemplate }) => ChatPromptTemplate.fromMessages(parts)));
  } else {
    variables = [...prompt.inputVariables];
    spec = { template: templateSpec(prompt) };
    template = () => Promise.resolve(prompt);
  }
  return {
    variables,
    spec,
    async format(values, examples) {
      const chat = await template();
      const messages = await chat.formatMessages(values);
      if (examples.length === 0) return messages;
      const lead = messages.findIndex((m) => m.getType() !== "system");
      const at = lead < 0 ? messages.length : lead;
      const { AIMessage } = await loadLangChain();
      const shots: BaseMessage[] = [];
      for (const example of examples) {
        const formatted = await chat.formatMessages(
          valuesFor(example.input, variables, "a few-shot example"),
        );
        shots.push(...formatted.filter((m) => m.getType() !== "system"));
        shots.push(
          new AIMessage(typeof example.output === "string" ? example.output : JSON.stringify(example.output)),
        );
      }
      return [...messages.slice(0, at), ...shots, ...messages.slice(at)];
    },
  };
}

/**
 * The template values for one input: a string input fills the template's only variable; an object
 * gives each variable its field (strings as they are, other values as JSON). Throws a TypeError
 * naming a missing field.
 */
export function valuesFor(
  input: unknown,
  variables: readonly string[],
  what: string,
): Record<string, string> {
  if (typeof input === "string") {
    if (variables.length === 1) return { [variables[0] as string]: input };
    if (variables.length === 0) return {};
    throw new TypeError(
      `${what} is a string, but the prompt has ${variables.length} variables (${variables.join(", ")}); give an object with those fields`,
    );
  }
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new TypeError(`${what} must be an object with the prompt's variables (${variables.join(", ")})`);
  }
  const record = input as Record<string, unknown>;
  const values: Record<string, string> = {};
  for (const name of variables) {
    const value = record[name];
    if (value === undefined) {
      throw new TypeError(
        `${what} has no "${name}" for the prompt (it has ${Object.keys(record).join(", ") || "no fields"}); add the field or rename the prompt variable`,
      );
    }
    values[name] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return values;
}

function isSystemUser(prompt: LlmPromptInput): prompt is { system?: string; user: string } {
  return typeof prompt === "object" && typeof (prompt as { user?: unknown }).user === "string";
}

/** The behaviour-defining text of a ChatPromptTemplate: each message's kind and template. */
function templateSpec(prompt: ChatPromptLike): JsonValue {
  const messages = (prompt as { promptMessages?: unknown[] }).promptMessages;
  if (!Array.isArray(messages)) return { variables: [...prompt.inputVariables] };
  return messages.map((m): JsonValue => {
    const part = m as {
      lc_id?: string[];
      prompt?: { template?: unknown };
      variableName?: unknown;
      content?: unknown;
    };
    const out: { [key: string]: JsonValue } = { kind: part.lc_id?.at(-1) ?? "message" };
    if (part.prompt?.template !== undefined) out.template = JSON.parse(JSON.stringify(part.prompt.template));
    if (typeof part.variableName === "string") out.placeholder = part.variableName;
    if (part.content !== undefined) out.content = JSON.parse(JSON.stringify(part.content));
    return out;
  });
}
