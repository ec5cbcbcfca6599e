/*
 * The support-triage chain: no LLM, no model. It normalises the message, extracts typed entities,
 * flags urgency, routes the message to a queue through a cascade (near-certain rules, then keyword
 * scores, then a fallback to "other"), and composes the answer.
 */
import { assign, cascade, code, defineChain, flow, type LabelResult, sequence } from "@catena/core";
import { z } from "zod";
import { entitiesSchema, extractEntities, typeEntities } from "./entities.ts";
import { KEYWORD_THRESHOLD, keywordScores } from "./keywords.ts";
import { QUEUES, type Queue } from "./queues.ts";
import { queueRules, urgencyRules } from "./rules.ts";

/** Input of {@link supportTriage}: the message. Unknown keys (e.g. a `queue` label in eval data) are ignored. */
export const supportTriageInput = z.object({ text: z.string().min(1).max(5000) });

/** Output of {@link supportTriage}. */
export const supportTriageOutput = z.object({
  /** Where the message goes. */
  queue: z.enum(QUEUES),
  /** Confidence of the routing, in [0, 1]. */
  confidence: z.number().min(0).max(1),
  /** The cascade tier that decided: `queue-rules`, `keyword-scores` or `fallback-other`. */
  tier: z.string(),
  entities: entitiesSchema,
  /** The message asks for speed ("urgent", "asap", "immediately", "!!!"). */
  urgent: z.boolean(),
});

/** Input of {@link supportTriage}. */
export type SupportTriageInput = z.input<typeof supportTriageInput>;
/** Output of {@link supportTriage}. */
export type SupportTriageOutput = z.output<typeof supportTriageOutput>;

/** Confidence of the fallback answer: any keyword evidence worth the name beats it. */
export const FALLBACK_CONFIDENCE = 0.3;

/**
 * The last tier: when neither rules nor keywords found anything, the message goes to `other` with
 * a low confidence. It is never accepted outright, so with `onExhausted: "best"` a weak keyword
 * answer that is still more confident than this one wins over it.
 */
const fallbackOther = code(
  "fallback-other",
  (): LabelResult<Queue> => ({ label: "other", confidence: FALLBACK_CONFIDENCE }),
  { spec: { FALLBACK_CONFIDENCE } },
);

/**
 * Triage of customer-support messages without any LLM or trained model: extracts order ids,
 * e-mail addresses, money amounts and dates, flags urgency, and routes the message to the
 * billing, shipping, account, technical or other queue through a cascade of near-certain regex
 * rules, weighted keyword scores and a fallback to `other`.
 *
 * @example
 * const r = await run(supportTriage, { text: "I was charged twice for order #A1234567 ($49.99)" });
 * // r.output -> { queue: "billing", confidence: 0.98, tier: "queue-rules", urgent: false,
 * //   entities: { orderIds: ["A1234567"], emails: [], amounts: [{ value: 49.99, currency: "USD" }], dates: [] } }
 */
export const supportTriage = defineChain({
  name: "support-triage",
  version: "1.1.0",
  description:
    "Routes a customer-support message to billing, shipping, account, technical or other, and extracts order ids, e-mails, amounts and dates. No LLM.",
  input: supportTriageInput,
  output: supportTriageOutput,
  flow: flow(supportTriageInput)
    // Unicode-normalises the text (full-width digits, ligatures), straightens quotes and collapses whitespace.
    .pipe(
      code("normalize", ({ text }) => ({
        text: text
          .normalize("NFKC")
          .replace(/[\u2018\u2019\u201B\u2032]/g, "'")
          .replace(/[\u201C\u201D\u201F\u2033]/g, '"')
          .replace(/\s+/g, " ")
          .trim(),
      })),
    )
    .pipe(assign("entities", sequence(extractEntities, typeEntities)))
    .pipe(assign("urgency", urgencyRules))
    .pipe(
      assign(
        "route",
        cascade(
          "route",
          [
            { step: queueRules, threshold: 0.95 },
            { step: keywordScores, threshold: KEYWORD_THRESHOLD },
            { step: fallbackOther, accept: () => false },
          ],
          { onExhausted: "best" },
        ),
      ),
    )
    // Puts the parts together into the chain's output.
    .pipe(
      code("compose", ({ entities, urgency, route }) => ({
        queue: route.label ?? "other",
        confidence: route.confidence,
        tier: route.tier,
        entities,
        urgent: urgency.label === "urgent",
      })),
    ),
  examples: [
    { text: "I was charged twice for order #A1234567 ($49.99 on 03/12/2026), please refund one." },
    { text: "Where is my parcel? ORD-102938 was due on March 3, 2026." },
    { text: "I can't log in since yesterday, the reset email never arrives. URGENT" },
    { text: "The app crashes every time I open the cart." },
    { text: "Do you have a showroom in Berlin?" },
  ],
});
