import { describe, expect, it } from "vitest";
import { isFloatingModel, parseModelId } from "./model-id.ts";
import { costOf, modelPrice, setModelPrice } from "./price-table.ts";

describe("model ids", () => {
  it("splits provider and model, inferring the provider of well-known names", () => {
    expect(parseModelId("openai:gpt-4.1-mini-2025-04-14")).toEqual({
      provider: "openai",
      model: "gpt-4.1-mini-2025-04-14",
    });
    expect(parseModelId("ollama:llama3.1:8b")).toEqual({ provider: "ollama", model: "llama3.1:8b" });
    expect(parseModelId("gpt-4o")).toEqual({ provider: "openai", model: "gpt-4o" });
    expect(parseModelId("my-own-model")).toBeUndefined();
  });

  it("tells floating aliases from pinned snapshots", () => {
    for (const floating of [
      "openai:gpt-4o",
      "gpt-4.1-mini",
      "o3-mini",
      "anthropic:claude-3-5-sonnet-latest",
      "ollama:llama3.1:8b",
    ]) {
      expect(isFloatingModel(floating), floating).toBe(true);
    }
    for (const pinned of [
      "openai:gpt-4.1-mini-2025-04-14",
      "gpt-4-0613",
      "gpt-3.5-turbo-0125",
      "anthropic:claude-3-5-sonnet-20241022",
      "google-genai:gemini-1.5-pro-002",
      "mistralai:mistral-large-2407",
    ]) {
      expect(isFloatingModel(pinned), pinned).toBe(false);
    }
  });
});

describe("model prices", () => {
  it("prices snapshots like their alias, and lets users override", () => {
    expect(modelPrice("openai:gpt-4.1-mini-2025-04-14")).toEqual({
      inputPerMillion: 0.4,
      outputPerMillion: 1.6,
    });
    expect(modelPrice("openai:gpt-4o-2024-05-13")).toEqual({ inputPerMillion: 5, outputPerMillion: 15 });
    expect(modelPrice("ollama:llama3.1:8b")).toBeUndefined();
    setModelPrice("ollama:llama3.1:8b", { inputPerMillion: 0.01, outputPerMillion: 0.02 });
    setModelPrice("gpt-4.1-mini", { inputPerMillion: 1, outputPerMillion: 2 });
    try {
      expect(costOf(modelPrice("ollama:llama3.1:8b"), 1_000_000, 1_000_000)).toBeCloseTo(0.03);
      expect(modelPrice("openai:gpt-4.1-mini-2025-04-14")).toEqual({
        inputPerMillion: 1,
        outputPerMillion: 2,
      });
    } finally {
      setModelPrice("ollama:llama3.1:8b", undefined);
      setModelPrice("gpt-4.1-mini", undefined);
    }
    expect(costOf(undefined, 100, 100)).toBe(0);
  });
});
