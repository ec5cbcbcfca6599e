import { parseModelId } from "./model-id.ts";
import { REDACTED, secretLike } from "./secret-text.ts";

/**
 * The environment variable each provider's LangChain package reads its credential from, by the
 * provider name of a model id (`initChatModel`'s names) and by the `_llmType()` of a chat model
 * instance, which Catena uses as the provider of an instance's id. A provider that takes no key
 * (Ollama) is absent: a 401 from it comes from a proxy in front, whose credential Catena cannot know.
 */
const KEY_VARIABLES: Readonly<Record<string, readonly [label: string, variable: string]>> = {
  openai: ["OpenAI", "OPENAI_API_KEY"],
  azure_openai: ["Azure OpenAI", "AZURE_OPENAI_API_KEY"],
  anthropic: ["Anthropic", "ANTHROPIC_API_KEY"],
  "google-genai": ["Google Gemini", "GOOGLE_API_KEY"],
  googlegenerativeai: ["Google Gemini", "GOOGLE_API_KEY"],
  "google-vertexai": ["Google Vertex AI", "GOOGLE_APPLICATION_CREDENTIALS"],
  vertexai: ["Google Vertex AI", "GOOGLE_APPLICATION_CREDENTIALS"],
  bedrock: ["AWS Bedrock", "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY"],
  chat_bedrock_converse: ["AWS Bedrock", "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY"],
  mistralai: ["Mistral", "MISTRAL_API_KEY"],
  mistral: ["Mistral", "MISTRAL_API_KEY"],
  cohere: ["Cohere", "COHERE_API_KEY"],
  groq: ["Groq", "GROQ_API_KEY"],
  fireworks: ["Fireworks", "FIREWORKS_API_KEY"],
  together: ["Together AI", "TOGETHER_AI_API_KEY"],
  togetherAI: ["Together AI", "TOGETHER_AI_API_KEY"],
  deepseek: ["DeepSeek", "DEEPSEEK_API_KEY"],
  xai: ["xAI", "XAI_API_KEY"],
  cerebras: ["Cerebras", "CEREBRAS_API_KEY"],
};

/**
 * Which credential a refused call needs, phrased for "check …": the provider's own key variable
 * for a model at its provider's endpoint; for a custom base URL (an OpenAI-compatible server, a
 * proxy), the key that server expects, with the variable the client falls back to; and a generic
 * phrase for a provider whose variable is not known.
 *
 * @example
 * credentialAdvice("anthropic:claude-sonnet-4-5", undefined)
 * // "the Anthropic API key (ANTHROPIC_API_KEY, or the `apiKey` option)"
 * credentialAdvice("openai:llama3", "http://localhost:8000/v1")
 * // "the API key the server at http://localhost:8000/v1 expects (the `apiKey` option, else OPENAI_API_KEY)"
 */
export function credentialAdvice(model: string | undefined, baseURL: string | undefined): string {
  const provider = model === undefined ? undefined : parseModelId(model)?.provider;
  const known = provider === undefined ? undefined : KEY_VARIABLES[provider];
  const given = "the `apiKey` option";
  if (baseURL !== undefined) {
    return `the API key the server at ${baseURL} expects (${given}${known === undefined ? "" : `, else ${known[1]}`})`;
  }
  if (known !== undefined) return `the ${known[0]} API key (${known[1]}, or ${given})`;
  return provider === undefined
    ? `the provider's API key (${given}, or the variable its LangChain package reads)`
    : `the API key of provider "${provider}" (${given}, or the variable its LangChain package reads)`;
}

/**
 * A base URL as it may be shown in an error and kept in a results file: its user, password, query
 * and fragment dropped (a proxy URL may carry a token there), and each path segment that looks like
 * a secret (a gateway's `/v1/<key>/…`) replaced by `<redacted>`: one that starts `sk-` / `sk_`, or
 * holds a run of 20 or more letters and digits mixing both (an API key, an account token; model
 * names and words are split by `-` or `.` into shorter runs). Undefined for none.
 *
 * @example
 * shownBaseURL("https://user:secret@proxy.example/v1?key=k") // "https://proxy.example/v1"
 * shownBaseURL("https://gw.example/v1/sk-live-4f9a8b7c6d5e/openai") // "https://gw.example/v1/<redacted>/openai"
 */
export function shownBaseURL(baseURL: string | undefined): string | undefined {
  if (baseURL === undefined) return undefined;
  try {
    const url = new URL(baseURL);
    const path = url.pathname
      .split("/")
      .map((segment) => (secretLike(segment) ? REDACTED : segment))
      .join("/");
    return `${url.origin}${path}`.replace(/\/+$/, "");
  } catch {
    return "a custom base URL";
  }
}
