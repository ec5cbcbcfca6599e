import { describe, expect, it } from "vitest";
import { deferredText } from "./deferred-text.ts";

describe("deferredText", () => {
  it("names the reason a tier failed, not the step wrapper around it", () => {
    const text = deferredText("banking-intents@1.0.0", {
      cascade: "intent",
      best: { tier: "linear", result: { label: "card_arrival", confidence: 0.26 } },
      errors: [
        {
          tier: "llm",
          error: {
            name: "StepError",
            code: "STEP_FAILED",
            message: 'Step "llm" (llm) failed: ...',
            cause: {
              name: "ProviderNotConfiguredError",
              code: "PROVIDER_NOT_CONFIGURED",
              message: "no provider",
            },
          },
        },
        { tier: "other", error: { name: "StepError", code: "STEP_FAILED", message: "boom" } },
      ],
    });
    expect(text).toBe(
      'banking-intents@1.0.0 deferred the input: cascade "intent" found no answer confident enough; best guess "card_arrival" (confidence 0.26, tier "linear"); tier errors: llm: PROVIDER_NOT_CONFIGURED, other: STEP_FAILED',
    );
  });
});
