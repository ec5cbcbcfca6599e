import { describe, expect, it } from "vitest";
import type { TracedLabel } from "./traced-labels.ts";
import { tracedTrainingSet } from "./traced-training-set.ts";

const options = { minConfidence: 0.5, heldOutShare: 0, correctionWeight: 2, seed: 1 };
let n = 0;
const traced = (
  text: string,
  label: string,
  source: TracedLabel["source"],
  confidence = 0.9,
): TracedLabel => ({
  runId: `run-${n++}`,
  startedAt: `2026-12-06T00:00:${String(n).padStart(2, "0")}Z`,
  text,
  label,
  source,
  tier: source === "cheap" ? "linear" : "llm",
  confidence,
});
const split = {
  train: [
    { text: "where is my card", label: "card_arrival" },
    { text: "my top up failed", label: "top_up_failed" },
  ],
  dev: [{ text: "Is my card coming soon?", label: "card_arrival" }],
};

describe("tracedTrainingSet", () => {
  it("lets a correction override the LLM's label for the same text, whatever the case and spacing", () => {
    const set = tracedTrainingSet(
      [
        traced("The ATM kept my card", "card_arrival", "llm"),
        traced("the  atm kept my card ", "card_swallowed", "correction"),
      ],
      split,
      options,
    );
    expect(set.added.map((i) => [i.label, i.source])).toEqual([["card_swallowed", "correction"]]);
    expect(set.counts.conflicting).toBe(1);
    // Corrections weigh twice: two copies after the chain's own examples.
    expect(set.train.slice(2).map((e) => e.label)).toEqual(["card_swallowed", "card_swallowed"]);
  });

  it("lets a cheap answer a person rated right beat an audit's LLM label of the same text", () => {
    const set = tracedTrainingSet(
      [
        { ...traced("my card never came", "card_arrival", "cheap"), confirmed: true },
        {
          ...traced("my card never came", "lost_or_stolen_card", "llm"),
          audit: true,
          answered: "card_arrival",
        },
        {
          ...traced("my card never came", "lost_or_stolen_card", "llm"),
          audit: true,
          answered: "card_arrival",
        },
      ],
      split,
      options,
    );
    expect(set.added.map((i) => [i.label, i.source, i.confirmed])).toEqual([["card_arrival", "cheap", true]]);
  });

  it("keeps the dev split out of training, skips known texts, cheap answers and unsure LLM answers", () => {
    const set = tracedTrainingSet(
      [
        traced("is my card coming soon?", "card_arrival", "llm"),
        traced("Where is my card", "card_arrival", "llm"),
        traced("my top up failed", "pending_top_up", "llm"),
        traced("Can I get a refund", "request_refund", "cheap"),
        traced("Something odd", "card_arrival", "llm", 0.2),
        traced("Apple Pay does not work", "apple_pay_or_google_pay", "llm"),
      ],
      split,
      options,
    );
    expect(set.counts).toMatchObject({ inDev: 1, known: 1, contradicting: 1, lowConfidence: 1 });
    expect(set.added.map((i) => i.text)).toEqual(["Apple Pay does not work"]);
    expect(set.train).toHaveLength(3);
  });

  it("holds out a share of the traced texts (any tier's) that is never trained on, the same whatever the run order", () => {
    const items = Array.from({ length: 40 }, (_, i) =>
      traced(
        `query number ${i}`,
        i % 2 === 0 ? "card_arrival" : "top_up_failed",
        i % 4 === 0 ? "cheap" : "llm",
      ),
    );
    const a = tracedTrainingSet(items, split, { ...options, heldOutShare: 0.25 });
    const b = tracedTrainingSet([...items].reverse(), split, { ...options, heldOutShare: 0.25 });
    expect(a.heldOut).toHaveLength(10);
    expect(a.heldOut.map((i) => i.text)).toEqual(b.heldOut.map((i) => i.text));
    const held = new Set(a.heldOut.map((i) => i.text));
    expect(a.train.some((e) => held.has(e.text))).toBe(false);
    expect(a.added.every((i) => i.source !== "cheap")).toBe(true);
  });

  it("leaves out of training the examples whose text is held out or kept for calibration, and counts them", () => {
    const items = Array.from({ length: 40 }, (_, i) =>
      traced(`query number ${i}`, i % 2 === 0 ? "card_arrival" : "top_up_failed", "llm"),
    );
    // Training data that already holds the traced texts, in another case and spacing (a --data
    // file exported from the same traffic).
    const given = items.map((t) => ({ text: ` ${t.text.toUpperCase()}`, label: t.label }));
    const set = tracedTrainingSet(
      items,
      { train: [...split.train, ...given], dev: split.dev },
      { ...options, heldOutShare: 0.2, calibShare: 0.3 },
    );
    const key = (text: string) => text.trim().toLowerCase();
    const apart = new Set([...set.heldOut, ...set.calib].map((i) => key(i.text)));
    expect(set.heldOut.length).toBeGreaterThan(0);
    expect(set.calib.length).toBeGreaterThan(0);
    expect(set.train.filter((e) => apart.has(key(e.text)))).toEqual([]);
    expect(set.counts.heldOutOfTraining).toBe(apart.size);
    expect(set.train).toHaveLength(split.train.length + given.length - apart.size);
  });

  it("keeps a share of the labelled texts apart for calibration, never trained on, and self-trains on sure cheap answers", () => {
    const items = Array.from({ length: 40 }, (_, i) =>
      traced(
        `query number ${i}`,
        i % 2 === 0 ? "card_arrival" : "top_up_failed",
        i % 4 === 0 ? "cheap" : "llm",
        i % 8 === 0 ? 0.99 : 0.8,
      ),
    );
    const set = tracedTrainingSet(items, split, {
      ...options,
      calibShare: 0.4,
      selfTrainWeight: 2,
      selfTrainConfidence: 0.95,
    });
    // 30 LLM labels: 12 kept apart; the 10 cheap answers are no evidence of precision.
    expect(set.calib).toHaveLength(12);
    expect(set.calib.every((i) => i.source === "llm")).toBe(true);
    const calib = new Set(set.calib.map((i) => i.text));
    expect(set.train.some((e) => calib.has(e.text))).toBe(false);
    expect(set.added).toHaveLength(18);
    // The 5 cheap answers at 0.99 are trained on, twice each; those at 0.8 are not.
    expect(set.selfTrained.map((i) => i.confidence)).toEqual([0.99, 0.99, 0.99, 0.99, 0.99]);
    expect(set.train).toHaveLength(2 + 18 + 10);
  });

  it("takes a cheap answer people rated right as calibration evidence", () => {
    const confirmed = {
      ...traced("Can I get a refund", "request_refund", "cheap"),
      confirmed: true as const,
    };
    const set = tracedTrainingSet(
      [confirmed, traced("Apple Pay does not work", "apple_pay_or_google_pay", "cheap")],
      split,
      { ...options, calibShare: 0.5 },
    );
    expect(set.calib.map((i) => [i.text, i.confirmed])).toEqual([["Can I get a refund", true]]);
  });
});
