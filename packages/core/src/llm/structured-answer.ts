import { type SchemaIssue, schemaIssues } from "../errors/errors.ts";

/** The parts of a model answer that structured output is read from. */
export interface AnswerMessage {
  content: unknown;
  tool_calls?: ReadonlyArray<{ args: unknown }>;
  invalid_tool_calls?: ReadonlyArray<{ args?: unknown }>;
}

/** A schema the step validates answers with: zod's `safeParse` contract. */
export interface AnswerSchema<T = unknown> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: unknown };
}

/** An answer read against the schema: the value, or the problems to give back to the model. */
export type StructuredAnswer<T> =
  | { ok: true; value: T; rawText: string }
  | { ok: false; issues: SchemaIssue[]; rawText: string };

/**
 * Reads a structured answer from a model message: the first tool call's arguments (function-calling
 * structured output) or the JSON in the content (json_schema / json mode; a ```json fence is
 * tolerated), validated against the schema.
 *
 * @example
 * readStructuredAnswer({ content: '{"label":"refund"}' }, z.object({ label: z.string() }))
 * // { ok: true, value: { label: "refund" }, rawText: '{"label":"refund"}' }
 */
export function readStructuredAnswer<T>(
  message: AnswerMessage,
  schema: AnswerSchema<T>,
): StructuredAnswer<T> {
  const call = message.tool_calls?.[0];
  const invalid = message.invalid_tool_calls?.[0];
  let rawText: string;
  let candidate: unknown;
  if (call !== undefined) {
    candidate = call.args;
    rawText = JSON.stringify(call.args);
  } else {
    rawText =
      invalid !== undefined && typeof invalid.args === "string" ? invalid.args : contentText(message.content);
    try {
      candidate = JSON.parse(unfenced(rawText));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return {
        ok: false,
        rawText,
        issues: [{ path: "", message: `the answer is not valid JSON (${reason})` }],
      };
    }
  }
  const parsed = schema.safeParse(candidate);
  return parsed.success
    ? { ok: true, value: parsed.data, rawText }
    : { ok: false, rawText, issues: schemaIssues(parsed.error) };
}

/** The text of a message content: a string, or the text parts of a list of content blocks. */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part) => (typeof part === "string" ? part : (part as { text?: unknown } | null)?.text))
    .filter((t): t is string => typeof t === "string")
    .join("");
}

function unfenced(text: string): string {
  const fence = /^\s*```(?:json)?\s*\n?([\s\S]*?)\n?```\s*$/i.exec(text);
  return fence ? (fence[1] as string) : text;
}
