import { describe, expect, it } from "vitest";
import { tooFewItemsError } from "./too-few-items.ts";
import type { TracedLabel, TracedLabelCounts } from "./traced-labels.ts";
import { tracedTrainingSet } from "./traced-training-set.ts";

let n = 0;
const traced = (
  text: string,
  label: string,
  source: TracedLabel["source"],
  confidence = 0.9,
): TracedLabel => ({
  runId: `run-${n++}`,
  startedAt: "2026-12-06T00:00:00Z",
  text,
  label,
  source,
  tier: source === "cheap" ? "linear" : "llm",
  confidence,
});
const split = {
  train: [{ text: "where is my card", label: "card_arrival" }],
  dev: [
    { text: "is my card coming soon?", label: "card_arrival" },
    { text: "can i top up by card", label: "top_up_by_card" },
  ],
};

describe("tooFewItemsError", () => {
  it("counts every run once and every labelled text once, and says '1 labelled item', '1 answer'", () => {
    const items = [
      // Cheap answers, one of them in the dev split: traffic, not labels, counted once as such.
      traced("Can I top up by card", "top_up_by_card", "cheap"),
      traced("Can I get a refund", "request_refund", "cheap"),
      traced("Exchange rate please", "exchange_rate", "cheap"),
      // LLM answers: one in the dev split, one already known, one unsure, one usable.
      traced("Is my card coming soon?", "card_arrival", "llm"),
      traced("Where is my card", "card_arrival", "llm"),
      traced("Something odd", "card_arrival", "llm", 0.2),
      traced("Apple Pay does not work", "apple_pay_or_google_pay", "llm"),
    ];
    const counts: TracedLabelCounts = {
      runs: 9,
      shadow: 0,
      audits: 0,
      auditDisagreements: 0,
      corrected: 0,
      lowRated: 1,
      invalidCorrections: 0,
      cheap: 3,
      unanswered: 1,
      routed: {},
    };
    const set = tracedTrainingSet(items, split, {
      minConfidence: 0.5,
      heldOutShare: 0,
      correctionWeight: 2,
      seed: 1,
    });
    const error = tooFewItemsError({ chain: "banking-intents", minItems: 20, items, counts, set });
    expect(error.code).toBe("TOO_FEW_ITEMS");
    expect(error.message).toMatch(
      /^Only 1 labelled item to train on in 9 traced runs of banking-intents \(need 20\)\. The runs: 4 LLM answers, 3 answers of a cheap tier, 1 answer rated wrong, 1 run failed or deferred; their labels are 4 distinct texts, of which 1 in the dev split, 1 below --min-confidence, 1 already in the training data, 1 usable\. /,
    );
    // Every run in one group: the details add up to the runs.
    const d = error.details as Record<
      "runs" | "corrected" | "llmAnswered" | "cheap" | "lowRated" | "unanswered" | "invalidCorrections",
      number
    >;
    expect(d.llmAnswered).toBe(4);
    expect(d.corrected + d.llmAnswered + d.cheap + d.lowRated + d.unanswered + d.invalidCorrections).toBe(
      d.runs,
    );
    // The cheap answer whose text is in the dev split is not counted again among the labels.
    expect(set.counts.inDev).toBe(2);
    expect(error.message).not.toMatch(/\b1 answers\b/);
  });
});
