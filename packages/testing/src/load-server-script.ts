import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { ChatRequest, ChatScript, ScriptedReply, TestServerOptions } from "./server-script.ts";

/** A reply chosen by the text of the last user message, as a script file writes it. */
export interface ScriptRule {
  /** A regular expression (case-insensitive) the last user message must match. */
  when: string;
  /** Only requests for this structured output: the `json_schema` name, or the name of the forced function. */
  schema?: string;
  reply: ScriptedReply;
}

/** What a JSON script file holds besides a plain array of replies. */
export interface JsonServerScript extends Omit<TestServerOptions, "chat" | "embeddings"> {
  /** Replies in order, one per chat request. */
  replies?: ScriptedReply[];
  /** Replies by content: the first rule whose `when` matches the last user message answers. */
  rules?: ScriptRule[];
  /** The reply when no rule matches (default: a 400 naming the message). */
  default?: ScriptedReply;
}

/**
 * Reads a script file for `catena-test-server --script`: a `.json` file holding an array of replies
 * (answered in order) or a {@link JsonServerScript} (`replies`, `rules` by message text, `default`,
 * `rateLimit`, `chaos`); or a `.js`/`.mjs`/`.ts` module whose default export is a {@link ChatScript}
 * (a function of the request, for anything JSON cannot say) or {@link TestServerOptions}.
 */
export async function loadServerScript(
  path: string,
  cwd: string = process.cwd(),
): Promise<TestServerOptions> {
  const file = resolve(cwd, path);
  if (/\.[cm]?[jt]s$/.test(file)) {
    const module = (await import(pathToFileURL(file).href)) as { default?: unknown };
    const script = module.default;
    if (typeof script === "function" || Array.isArray(script)) return { chat: script as ChatScript };
    if (typeof script === "object" && script !== null) return script as TestServerOptions;
    throw new Error(
      `${path}: the module must export default a script function, an array of replies or server options.`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message} (a script file is JSON, or a .js/.ts module).`);
  }
  if (Array.isArray(parsed)) return { chat: parsed as ScriptedReply[] };
  if (typeof parsed !== "object" || parsed === null) {
    throw new Error(`${path}: expected an array of replies or an object with replies, rules or default.`);
  }
  const { replies, rules, default: fallback, ...options } = parsed as JsonServerScript;
  if (rules === undefined && fallback === undefined)
    return replies === undefined ? options : { ...options, chat: replies };
  const compiled = (rules ?? []).map((rule) => ({ ...rule, re: new RegExp(rule.when, "i") }));
  return {
    ...options,
    chat: (request, info) =>
      compiled.find(
        (rule) =>
          rule.re.test(info.userText) && (rule.schema === undefined || rule.schema === schemaName(request)),
      )?.reply ??
      fallback ?? {
        fail: 400,
        message: `no rule of ${path} matches the message: ${info.userText.slice(0, 200)}`,
      },
  };
}

/** The name of the structured output a request asks for, if any. */
function schemaName(request: ChatRequest): string | undefined {
  const forced = (request.tool_choice as { function?: { name?: unknown } } | undefined)?.function?.name;
  return request.response_format?.json_schema?.name ?? (typeof forced === "string" ? forced : undefined);
}
