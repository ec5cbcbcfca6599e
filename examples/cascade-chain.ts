/**
 * A chain with a `cascade`: rate the sentiment of product feedback with near-certain regex rules
 * first, then with a small word-count scorer when no rule matched. When neither is confident, the
 * run ends `deferred` with the best guess, for a person (or a costlier tier) to decide.
 *
 * Run it: `pnpm --filter @catena/examples cascade` (or `node --conditions=@catena/source examples/cascade-chain.ts`).
 */
import { cascade, code, defineChain, flow, type LabelResult, regex, run } from "@catena/core";
import { z } from "zod";

type Sentiment = "positive" | "negative";

/** Tier 1: phrases that leave no doubt. */
const phrases = regex<Sentiment>("phrases", {
  rules: [
    {
      label: "negative",
      pattern: /\b(?:worst|terrible|awful|waste of money|never again|do not buy)\b/i,
      confidence: 0.97,
    },
    {
      label: "positive",
      pattern: /\b(?:love (?:it|this)|best \w+ ever|highly recommend|exceeded my expectations)\b/i,
      confidence: 0.97,
    },
  ],
});

const POSITIVE = ["good", "great", "nice", "happy", "works", "fast", "comfortable", "recommend", "excellent"];
const NEGATIVE = ["bad", "broken", "slow", "poor", "disappointed", "cheap", "return", "refund", "late"];

/** Tier 2: counts positive and negative words; the confidence is the share of the winning side. */
const wordCounts = code(
  "word-counts",
  ({ text }: { text: string }): LabelResult<Sentiment> => {
    const words = text.toLowerCase().match(/[a-z']+/g) ?? [];
    const pos = words.filter((w) => POSITIVE.includes(w)).length;
    const neg = words.filter((w) => NEGATIVE.includes(w)).length;
    if (pos + neg === 0) return { label: null, confidence: 0 };
    return pos >= neg
      ? { label: "positive", confidence: pos / (pos + neg) }
      : { label: "negative", confidence: neg / (pos + neg) };
  },
  { spec: { POSITIVE, NEGATIVE } },
);

const input = z.object({ text: z.string().min(1) });

/** Rates product feedback as positive or negative, cheapest tier first. */
export const feedbackSentiment = defineChain({
  name: "feedback-sentiment",
  version: "1.0.0",
  description:
    "Sentiment of product feedback: regex rules, then word counts; defers when neither is confident.",
  input,
  output: z.object({ label: z.enum(["positive", "negative"]), confidence: z.number(), tier: z.string() }),
  flow: flow(input).pipe(
    cascade("sentiment", [phrases, { step: wordCounts, threshold: 0.7 }], { onExhausted: "deferred" }),
  ),
});

if (import.meta.main) {
  for (const text of [
    "Worst purchase ever, it broke after a day.",
    "Great fit and fast delivery, very happy.",
    "Good sound but the case feels cheap.",
    "It arrived on Tuesday.",
  ]) {
    const r = await run(feedbackSentiment, { text });
    const timings = r.steps.map((s) => `${s.name} ${s.ms.toFixed(2)}ms`).join(", ");
    const answer =
      r.status === "done"
        ? `${r.output.label} (${r.output.confidence.toFixed(2)}) by tier ${r.output.tier}`
        : r.status === "deferred"
          ? `deferred, best guess: ${r.deferred.best?.result.label ?? "none"}`
          : r.status;
    console.log(`${text}\n  -> ${answer}  [${timings}]`);
  }
}
