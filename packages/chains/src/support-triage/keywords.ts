/*
 * Keyword scoring: the second tier of the routing cascade. Each queue has a weighted list of terms;
 * a message scores the weights of the terms it contains (plus a little for the entities it carries),
 * the best-scoring queue wins, and the confidence grows with the evidence and with the margin over
 * the runner-up. Cheap, explainable, and easy to extend from reviewed misroutes.
 */
import { code, type JsonValue, type LabelResult } from "@catena/core";
import type { Entities } from "./entities.ts";
import { QUEUES, type Queue } from "./queues.ts";

/**
 * Weighted terms per queue. A term is a regular-expression fragment matched case-insensitively at
 * the start of a word (so `deliver` covers "delivery" and "delivered"); each term counts once.
 * Weights: 3 for terms that point at one queue, 2 for good hints, 1 or less for weak ones.
 */
export const QUEUE_KEYWORDS: Readonly<Record<Queue, Readonly<Record<string, number>>>> = {
  billing: {
    refund: 3,
    "charge[sd]?\\b": 3,
    overcharg: 3,
    invoice: 3,
    payment: 3,
    "paid\\b": 2,
    "pay\\b": 1.5,
    "money back": 3,
    subscription: 3,
    "bill(?:ed|ing)?\\b": 3,
    receipt: 3,
    "(?:credit|debit) card": 2.5,
    paypal: 3,
    "apple pay|google pay": 3,
    "bank (?:account|transfer|statement)": 2,
    statement: 2,
    "full price": 2,
    "price difference|the difference": 1.5,
    "discount|promo(?:tion)? code|coupon|voucher": 2,
    "plan\\b": 1.5,
    "annual|yearly|monthly": 1.5,
    renew: 2.5,
    transaction: 2.5,
    "tax\\b|vat\\b": 2,
    pending: 1,
    "cost\\b|price\\b": 1,
  },
  shipping: {
    deliver: 3,
    "ship(?:ping|ped|ment|s)?\\b": 3,
    parcel: 3,
    package: 3,
    arriv: 2,
    courier: 3,
    tracking: 3,
    dispatch: 3,
    "post office|postal": 2.5,
    "in transit": 3,
    "pick[- ]?up point": 3,
    "wrong (?:size|item|colou?r|product|model)": 3,
    "missing\\b": 2,
    damaged: 2.5,
    "broken\\b": 1,
    "exchange\\b": 2,
    "return(?:ed|ing)?\\b": 1.5,
    "received\\b": 1,
    "items?\\b": 0.5,
    "box\\b": 1,
    "label\\b": 1,
    warehouse: 1,
    "orders?\\b": 1,
    "where(?:'s| is| are)\\b": 1.5,
    "still not here|not (?:here|arrived) yet|heard nothing|haven't heard": 2,
  },
  account: {
    "account\\b": 2,
    "accounts\\b": 2,
    "log ?in\\b|logged (?:in|out)|log(?:ging)? out": 3,
    "sign(?:ed|ing)? ?(?:in|up)\\b": 2.5,
    password: 3,
    username: 3,
    profile: 2.5,
    "e-?mail address": 1.5,
    "e-?mails?\\b": 0.5,
    "verif(?:y|ication)": 2,
    "confirmation e-?mail": 2,
    activat: 2,
    "(?:sms|text|security) code": 2.5,
    "sms\\b|text message|texts? me\\b": 2,
    "personal (?:data|details|information)|privacy": 2,
    unsubscribe: 3,
    "hack(?:ed|er)": 3,
    "security\\b": 1.5,
    "settings\\b": 1,
    "my name\\b": 1.5,
    "phone number": 1.5,
  },
  technical: {
    "error\\b|errors\\b": 3,
    crash: 3,
    "bug\\b|bugs\\b": 3,
    "freez|froze": 3,
    "not working|(?:doesn't|does not|don't|do not) work|stopped working|isn't working": 2.5,
    "nothing happens": 2.5,
    "something went wrong": 3,
    "tim(?:es|ing|ed) out|timeout": 3,
    "app\\b|apps\\b": 2,
    "website|site\\b": 1.5,
    "web ?page|page\\b|pages\\b": 1,
    "load(?:s|ing)?\\b": 2,
    "update\\b|updated\\b|version\\b": 1.5,
    "browser|chrome|firefox|safari": 2,
    "android|ios\\b|iphone": 2,
    "cache\\b|cookies\\b": 2,
    click: 2,
    button: 2,
    "greyed out|grayed out": 2.5,
    spinn: 2,
    export: 1.5,
    "encoding|garbled": 2.5,
    "notifications?\\b": 1.5,
    "search (?:function|bar|results)|no results": 2,
    sync: 2,
    "(?:re)?install": 2,
    "screen\\b": 1,
    display: 1,
    battery: 2,
    "javascript|sdk\\b|api\\b|integration": 3,
    "broken\\b": 1,
    "slow\\b": 1.5,
    "settings\\b": 0.5,
  },
  other: {
    "thank(?:s| you)": 2,
    "great\\b|amazing|love\\b|awesome|fantastic": 1.5,
    suggest: 2.5,
    feedback: 2,
    "store\\b|shop\\b|showroom": 1.5,
    "opening hours|open on": 3,
    "partner|collaborat|sponsor": 3,
    "job\\b|jobs\\b|career|hiring|internship": 2.5,
    "press\\b|blog\\b|journalist|magazine|interview": 2,
    "wholesale|bulk\\b": 2.5,
    "made (?:of|from)|material|organic|vegan|cruelty|sustainab": 2,
    "gift card|gift voucher": 2.5,
    "sale\\b|black friday": 2,
    "dishwasher|manual\\b|assembl|size guide": 1.5,
    "do you (?:have|sell|offer|make)": 1.5,
    "available in\\b": 1.5,
    "donat|charity": 2,
    "thesis|student": 1.5,
  },
};

/** Extra score per queue for each kind of entity present in the message. */
export const ENTITY_WEIGHTS: Readonly<Record<keyof Entities, Partial<Record<Queue, number>>>> = {
  amounts: { billing: 1.5 },
  orderIds: { shipping: 1, billing: 0.5 },
  emails: { account: 1 },
  dates: {},
};

/** Confidence at or above which the keyword tier's answer is accepted without comparing it further. */
export const KEYWORD_THRESHOLD = 0.55;

/** What the keyword tier returns: the winning queue, its confidence, and the evidence. */
export interface KeywordResult extends LabelResult<Queue> {
  /** Score per queue, best first, rounded to two decimals. */
  scores: Array<{ queue: Queue; score: number }>;
  /** The terms that matched, per queue. */
  hits: Partial<Record<Queue, string[]>>;
}

const compiled = QUEUES.map((queue) => ({
  queue,
  terms: Object.entries(QUEUE_KEYWORDS[queue]).map(([term, weight]) => ({
    term,
    weight,
    re: new RegExp(`\\b(?:${term})`, "i"),
  })),
}));

/**
 * Scores a message against {@link QUEUE_KEYWORDS} and {@link ENTITY_WEIGHTS}. With no evidence at
 * all the answer is a clean no-match (`label: null`), so that the cascade moves on.
 *
 * @example
 * scoreQueues({ text: "My parcel was never delivered" }).label // -> "shipping"
 */
export function scoreQueues(data: { text: string; entities?: Entities }): KeywordResult {
  const scores: Array<{ queue: Queue; score: number }> = [];
  const hits: Partial<Record<Queue, string[]>> = {};
  for (const { queue, terms } of compiled) {
    let score = 0;
    const found: string[] = [];
    for (const { weight, re } of terms) {
      const m = re.exec(data.text);
      if (!m) continue;
      score += weight;
      found.push(m[0].toLowerCase());
    }
    if (found.length > 0) hits[queue] = found;
    for (const kind of Object.keys(ENTITY_WEIGHTS) as (keyof Entities)[]) {
      if ((data.entities?.[kind].length ?? 0) > 0) score += ENTITY_WEIGHTS[kind][queue] ?? 0;
    }
    scores.push({ queue, score: Math.round(score * 100) / 100 });
  }
  scores.sort((a, b) => b.score - a.score);
  const [first, second] = scores;
  if (!first || first.score === 0) return { label: null, confidence: 0, scores, hits };
  return { label: first.queue, confidence: confidenceOf(first.score, second?.score ?? 0), scores, hits };
}

/**
 * Confidence from the best and second-best scores: the evidence's strength (saturating, about 0.63
 * for one strong term) times the margin over the runner-up (a tie halves it), scaled to at most 0.95
 * so that keywords never outrank a near-certain rule.
 *
 * @example
 * confidenceOf(3, 0) // -> 0.601
 * confidenceOf(3, 3) // -> 0.3
 */
export function confidenceOf(best: number, second: number): number {
  const strength = 1 - Math.exp(-best / 3);
  const margin = best > 0 ? (best - second) / best : 0;
  return Math.round(0.95 * strength * (0.5 + 0.5 * margin) * 1000) / 1000;
}

/** Tier 2 of the routing cascade: keyword scores, accepted from {@link KEYWORD_THRESHOLD}. */
export const keywordScores = code(
  "keyword-scores",
  (data: { text: string; entities?: Entities }) => scoreQueues(data),
  {
    spec: {
      keywords: QUEUE_KEYWORDS as unknown as JsonValue,
      entityWeights: ENTITY_WEIGHTS as unknown as JsonValue,
    },
    deps: [scoreQueues, confidenceOf],
  },
);
