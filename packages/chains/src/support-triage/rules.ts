/*
 * Near-certain regex rules: the first, cheapest tier of the routing cascade, and the urgency flag.
 * A routing rule belongs here only when a match all but settles the queue; anything weaker goes to
 * the keyword scores (keywords.ts), which weigh the evidence instead of trusting a single phrase.
 */
import { type RegexRule, regex } from "@catena/core";
import type { Queue } from "./queues.ts";

/**
 * Routing rules, each a phrase that all but settles the queue. When several match, the highest
 * priority wins: specific complaints (a crash, a failed login, a parcel that never arrived) outrank
 * the words they often come with (an order id, a refund, an invoice).
 */
export const ROUTING_RULES: readonly RegexRule<Queue>[] = [
  // technical: something is broken on our side.
  {
    label: "technical",
    pattern:
      /\b(?:app|site|website|page|screen)\b[^.!?]{0,40}\b(?:crash(?:es|ed|ing)?|freez(?:es|ing)|froze)\b|\bkeeps? crashing\b/i,
    priority: 3,
    confidence: 0.98,
  },
  {
    label: "technical",
    pattern:
      /\b(?:error|http)\s*(?:code\s*)?[45]\d\d\b|\b[45]\d\d\b[^.!?]{0,30}\berror\b|\binternal server error\b|\bbad gateway\b|\btoo many requests\b/i,
    priority: 3,
    confidence: 0.98,
  },
  { label: "technical", pattern: /\b(?:API|SDK|webhooks?|endpoint)\b/, priority: 2, confidence: 0.96 },
  {
    label: "technical",
    pattern: /\bbug(?:gy| report)?\b|\bglitch(?:es|y)?\b/i,
    priority: 2,
    confidence: 0.96,
  },
  {
    label: "technical",
    pattern:
      /\b(?:blank|white|black) (?:page|screen)\b|\b(?:won't|doesn't|does not|will not|fails? to) load\b/i,
    priority: 2,
    confidence: 0.96,
  },
  // account: getting into or managing the account.
  {
    label: "account",
    pattern: /\b(?:forgot(?:ten)?|reset|recover|change)\s+(?:my\s+|the\s+)?password\b|\bpassword reset\b/i,
    priority: 3,
    confidence: 0.98,
  },
  {
    label: "account",
    pattern:
      /\b(?:can(?:'t|not)|unable to|couldn't|could not)\s+(?:log ?in|sign ?in|access my account)\b|\blocked out\b/i,
    priority: 3,
    confidence: 0.98,
  },
  {
    label: "account",
    pattern: /\baccount (?:is |was |has been |got )?(?:locked|suspended|blocked|hacked|compromised)\b/i,
    priority: 3,
    confidence: 0.98,
  },
  {
    label: "account",
    pattern: /\b(?:someone|somebody)(?: else)? (?:is using|has access to|accessed|logged into) my account\b/i,
    priority: 3,
    confidence: 0.97,
  },
  {
    label: "account",
    pattern:
      /\b(?:delete|close|deactivate|remove) (?:my|the) account\b|\bGDPR\b|\bright to (?:erasure|be forgotten)\b/i,
    priority: 2,
    confidence: 0.97,
  },
  {
    label: "account",
    pattern: /\b(?:two[-\s]?factor|2fa|one[-\s]time (?:code|password)|verification code)\b/i,
    priority: 2,
    confidence: 0.96,
  },
  {
    label: "account",
    pattern: /\b(?:unsubscribe|newsletter|marketing e-?mails|promotional e-?mails)\b/i,
    priority: 2,
    confidence: 0.95,
  },
  // shipping: where the goods are and in what state they arrive.
  {
    label: "shipping",
    // "where is my order", "where's the parcel", "where is order ORD-1", "where are my items"
    pattern:
      /\bwhere(?:'s| is| are)\s+(?:my\s+|our\s+|the\s+)?(?:orders?|package|parcels?|delivery|shipment|items?)\b/i,
    priority: 3,
    confidence: 0.98,
  },
  {
    label: "shipping",
    // asking how far an order has got: "status of order 55123", "any update on my order", "when will my parcel arrive"
    pattern:
      /\b(?:(?:status|update|news)\s+(?:of|on|about)\s+(?:my\s+|our\s+|the\s+)?(?:order|package|parcel|delivery|shipment)|(?:order|delivery|shipping|shipment)\s+status|when will (?:my|our|the) (?:order|package|parcel|items?|delivery|shipment) (?:arrive|come|ship|be (?:delivered|shipped|here)))\b/i,
    priority: 3,
    confidence: 0.97,
  },
  {
    label: "shipping",
    pattern:
      /\b(?:has(?:n't| not)|have(?:n't| not)|still not|never|did(?:n't| not))\s+(?:yet\s+)?(?:arrived|been delivered|(?:been )?shipped|received (?:my|the|our) (?:order|package|parcel|items?|delivery|shipment))\b/i,
    priority: 2,
    confidence: 0.97,
  },
  { label: "shipping", pattern: /\btracking\b/i, priority: 2, confidence: 0.97 },
  {
    label: "shipping",
    pattern:
      /\b(?:delivered|shipped|sent) to (?:the )?wrong (?:address|person|house)\b|\b(?:delivery|shipping) address\b/i,
    priority: 2,
    confidence: 0.97,
  },
  {
    label: "shipping",
    pattern:
      /\b(?:parcel|package|box|shipment|order)\s+(?:arrived|was|came)\s+(?:damaged|broken|crushed|opened|wet)\b/i,
    priority: 2,
    confidence: 0.97,
  },
  {
    label: "shipping",
    pattern: /\b(?:courier|customs|import dut(?:y|ies))\b/i,
    priority: 1,
    confidence: 0.96,
  },
  {
    label: "shipping",
    pattern: /\bdo you (?:ship|deliver) to\b|\b(?:express|next[-\s]day|standard) (?:delivery|shipping)\b/i,
    priority: 1,
    confidence: 0.96,
  },
  // billing: money moving or failing to move.
  {
    label: "billing",
    pattern:
      /\b(?:charged|billed)\s+(?:me\s+)?(?:twice|double|two times)\b|\bdouble[-\s]?(?:charged|billed)\b|\bduplicate (?:charge|payment|transaction)s?\b/i,
    priority: 3,
    confidence: 0.98,
  },
  {
    label: "billing",
    pattern:
      /\b(?:card|payment|transaction)\s+(?:was\s+|is\s+|got\s+|keeps\s+(?:getting\s+|being\s+)?)?(?:declined|rejected|refused|failed)\b|\bpayment (?:failed|did(?:n't| not) go through)\b/i,
    priority: 2,
    confidence: 0.97,
  },
  {
    label: "billing",
    pattern:
      /\b(?:cancel(?:led|ed)?|renew(?:ed|al)?)\s+(?:of\s+)?(?:my\s+|the\s+)?(?:subscription|membership|plan)\b/i,
    priority: 2,
    confidence: 0.96,
  },
  {
    label: "billing",
    pattern: /\b(?:invoices?|receipts?|VAT|billing|chargeback)\b/i,
    priority: 1,
    confidence: 0.95,
  },
  { label: "billing", pattern: /\brefund(?:s|ed)?\b/i, priority: 0, confidence: 0.95 },
  // other: requests that are clearly not about an order or the account.
  {
    label: "other",
    pattern:
      /\b(?:careers? page|job (?:opening|application|offer)|apply for (?:a|the) [\w\s-]{0,30}(?:job|position|role)|partnership|press (?:inquiry|enquiry|kit))\b/i,
    priority: 1,
    confidence: 0.95,
  },
];

/** Words and marks that flag a message as urgent. */
export const URGENCY_RULES: readonly RegexRule<"urgent">[] = [
  {
    label: "urgent",
    pattern:
      /\b(?:urgent(?:ly)?|asap|a\.s\.a\.p|immediately|right away|as soon as possible|emergency)\b|!{3,}/i,
  },
];

/** Tier 1 of the routing cascade: the near-certain {@link ROUTING_RULES}. */
export const queueRules = regex("queue-rules", { rules: ROUTING_RULES });

/** Labels a message `urgent` (or `null`) with the {@link URGENCY_RULES}. */
export const urgencyRules = regex("urgency", { rules: URGENCY_RULES });
