import { run } from "@catena/core";
import { describe, expect, it } from "vitest";
import { replyByLanguage } from "./branch-chain.ts";
import { feedbackSentiment } from "./cascade-chain.ts";

describe("examples", () => {
  it.each([
    ["Meine Bestellung ist nicht angekommen, bitte helfen Sie mir.", "de", "reply-de"],
    ["Je n'ai pas reçu mon colis, pouvez-vous vérifier ?", "fr", "reply-fr"],
    ["Mi pedido no ha llegado, por favor ayúdeme.", "es", "reply-es"],
    ["My parcel never arrived.", "en", "reply-en"],
  ])("branch-chain replies to %j in its language", async (text, language, step) => {
    const r = await run(replyByLanguage, { text });
    expect(r.status).toBe("done");
    expect(r.output?.language).toBe(language);
    expect(r.steps.map((s) => s.name)).toEqual(["detect-language", step]);
  });

  it("cascade-chain accepts a rule first, then word counts, and defers when unsure", async () => {
    const rule = await run(feedbackSentiment, { text: "Worst purchase ever." });
    expect(rule.output).toMatchObject({ label: "negative", tier: "phrases" });
    expect(rule.steps.map((s) => s.name)).toEqual(["phrases"]);

    const counted = await run(feedbackSentiment, { text: "Great fit and fast delivery, very happy." });
    expect(counted.output).toMatchObject({ label: "positive", confidence: 1, tier: "word-counts" });
    expect(counted.steps.map((s) => s.name)).toEqual(["phrases", "word-counts"]);

    const mixed = await run(feedbackSentiment, { text: "Good sound but the case feels cheap." });
    expect(mixed.status).toBe("deferred");

    const unsure = await run(feedbackSentiment, { text: "It arrived on Tuesday." });
    expect(unsure.status).toBe("deferred");
  });
});
