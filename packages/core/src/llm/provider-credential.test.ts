import { describe, expect, it } from "vitest";
import { credentialAdvice, shownBaseURL } from "./provider-credential.ts";

describe("credentialAdvice", () => {
  it.each([
    ["openai:gpt-4.1-mini-2025-04-14", "the OpenAI API key (OPENAI_API_KEY, or the `apiKey` option)"],
    ["anthropic:claude-sonnet-4-5", "the Anthropic API key (ANTHROPIC_API_KEY, or the `apiKey` option)"],
    ["claude-sonnet-4-5", "the Anthropic API key (ANTHROPIC_API_KEY, or the `apiKey` option)"],
    ["google-genai:gemini-2.5-flash", "the Google Gemini API key (GOOGLE_API_KEY, or the `apiKey` option)"],
    // A chat model instance's id: its _llmType() and its model name.
    ["mistral:mistral-small-latest", "the Mistral API key (MISTRAL_API_KEY, or the `apiKey` option)"],
    ["groq:llama-3.3-70b", "the Groq API key (GROQ_API_KEY, or the `apiKey` option)"],
  ])("names the key variable of %s", (model, said) => {
    expect(credentialAdvice(model, undefined)).toBe(said);
  });

  it("names the server and the fallback variable for a custom base URL", () => {
    expect(credentialAdvice("openai:llama3", "http://localhost:8000/v1")).toBe(
      "the API key the server at http://localhost:8000/v1 expects (the `apiKey` option, else OPENAI_API_KEY)",
    );
    expect(credentialAdvice("ollama:llama3", "http://gpu-box:11434")).toBe(
      "the API key the server at http://gpu-box:11434 expects (the `apiKey` option)",
    );
  });

  it("says generically which credential for a provider it does not know", () => {
    expect(credentialAdvice("acme:big-model", undefined)).toBe(
      'the API key of provider "acme" (the `apiKey` option, or the variable its LangChain package reads)',
    );
    expect(credentialAdvice("some-model", undefined)).toMatch(
      /^the provider's API key \(the `apiKey` option/,
    );
    expect(credentialAdvice(undefined, undefined)).not.toMatch(/OPENAI_API_KEY/);
  });
});

describe("shownBaseURL", () => {
  it("drops the credentials, the query and the trailing slash a base URL may carry", () => {
    expect(shownBaseURL("https://user:secret@proxy.example/v1/?key=k#x")).toBe("https://proxy.example/v1");
    expect(shownBaseURL("http://127.0.0.1:8080/v1")).toBe("http://127.0.0.1:8080/v1");
    expect(shownBaseURL(undefined)).toBeUndefined();
  });

  it("redacts the path segments that look like a key (a gateway's /v1/<key>/...), not routes or model names", () => {
    expect(shownBaseURL("https://gw.example/v1/sk-live-4f9a8b7c6d5e/openai")).toBe(
      "https://gw.example/v1/<redacted>/openai",
    );
    expect(shownBaseURL("https://gw.example/v1/Kp3x9QmZ2vR7tLw8YbN4cH6j/chat")).toBe(
      "https://gw.example/v1/<redacted>/chat",
    );
    expect(
      shownBaseURL("https://gateway.ai.cloudflare.com/v1/0123456789abcdef0123456789abcdef/gw/openai"),
    ).toBe("https://gateway.ai.cloudflare.com/v1/<redacted>/gw/openai");
    for (const kept of [
      "https://res.openai.azure.com/openai/deployments/gpt-4.1-mini-2025-04-14",
      "https://api.together.xyz/v1/meta-llama-3.1-70b-instruct-turbo",
      "http://127.0.0.1:8080/v1/chatcompletionsproxyendpoint",
    ]) {
      expect(shownBaseURL(kept)).toBe(kept);
    }
  });
});
