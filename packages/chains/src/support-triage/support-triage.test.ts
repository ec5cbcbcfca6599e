import { readFileSync } from "node:fs";
import { join } from "node:path";
import { run, runBatch } from "@catena/core";
import { describe, expect, it } from "vitest";
import { dataDir } from "../index.ts";
import { FALLBACK_CONFIDENCE, supportTriage, supportTriageInput, supportTriageOutput } from "./chain.ts";
import { normalizeDate, parseAmount, typedEntities } from "./entities.ts";
import { confidenceOf, KEYWORD_THRESHOLD, scoreQueues } from "./keywords.ts";
import type { Queue } from "./queues.ts";

interface Labelled {
  text: string;
  queue: Queue;
}

function readLabelled(file: string): Labelled[] {
  return readFileSync(join(dataDir, "support-triage", file), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Labelled);
}

async function triage(text: string) {
  const r = await run(supportTriage, { text });
  if (r.status !== "done") throw new Error(`run ended ${r.status}`);
  return { output: r.output, steps: r.steps };
}

async function accuracy(items: readonly Labelled[]): Promise<number> {
  const summary = await runBatch(supportTriage, items, { concurrency: 8 });
  const correct = (summary.results ?? []).filter((r) => {
    const output = r.output as { queue: Queue } | undefined;
    return output?.queue === items[r.index]?.queue;
  }).length;
  return correct / items.length;
}

describe("support-triage entities", () => {
  it("extracts order ids, e-mails, amounts and dates", async () => {
    const { output } = await triage(
      "Hi, I was charged twice for order #A1234567 (ORD-552301 too): $49.99 on 03/12/2026. Reach me at Jane.Doe@Example.com",
    );
    expect(output.entities).toEqual({
      orderIds: ["A1234567", "ORD-552301"],
      emails: ["jane.doe@example.com"],
      amounts: [{ value: 49.99, currency: "USD" }],
      // Dollar amounts only: the ambiguous date is read month first.
      dates: ["2026-03-12"],
    });
  });

  it("reads amounts in several currencies and notations", async () => {
    const { output } = await triage(
      "You took €12, then 12.50 EUR, then 1.299,00 €, and £79.00 for ORD 884120 on 2026-03-12.",
    );
    expect(output.entities.amounts).toEqual([
      { value: 12, currency: "EUR" },
      { value: 12.5, currency: "EUR" },
      { value: 1299, currency: "EUR" },
      { value: 79, currency: "GBP" },
    ]);
    expect(output.entities.orderIds).toEqual(["ORD-884120"]);
    expect(output.entities.dates).toEqual(["2026-03-12"]);
  });

  it("normalises dates to ISO and drops impossible ones", async () => {
    const { output } = await triage(
      "Ordered on March 3, 2026, shipped 3rd of March 2026, due 31/02/2026, now 25/03/2026.",
    );
    expect(output.entities.dates).toEqual(["2026-03-03", "2026-03-25"]);
    expect(normalizeDate("12/03/2026", "dmy")).toBe("2026-03-12");
    expect(normalizeDate("12/03/2026", "mdy")).toBe("2026-12-03");
    expect(normalizeDate("03/25/26", "dmy")).toBe("2026-03-25");
    expect(normalizeDate("Sept 5th 2026")).toBe("2026-09-05");
    expect(normalizeDate("29.02.2027")).toBeNull();
  });

  it("does not take ticket numbers, versions or counts for entities", async () => {
    const { output } = await triage(
      "Issue #42: version 5.2.1 shows 1,299 items and error 404 on Android 14.",
    );
    expect(output.entities).toEqual({ orderIds: [], emails: [], amounts: [], dates: [] });
  });

  it("parses raw tokens into typed values", () => {
    expect(parseAmount("US$ 5")).toEqual({ value: 5, currency: "USD" });
    expect(parseAmount("20 euros")).toEqual({ value: 20, currency: "EUR" });
    expect(parseAmount("12,50 €")).toEqual({ value: 12.5, currency: "EUR" });
    expect(typedEntities({ orderId: ["#a1234567", "A1234567"], email: ["X@Y.io"] })).toEqual({
      orderIds: ["A1234567"],
      emails: ["x@y.io"],
      amounts: [],
      dates: [],
    });
  });
});

describe("support-triage routing", () => {
  it.each([
    ["billing", "My credit card was declined at checkout."],
    ["shipping", "Where is my parcel? It should have come last week."],
    ["account", "I forgot my password and can't get in."],
    ["technical", "The app crashes as soon as I open it."],
    ["other", "We'd love a partnership with your brand, who should I talk to?"],
  ] as const)("routes a clear %s case with a near-certain rule", async (queue, text) => {
    const { output } = await triage(text);
    expect(output).toMatchObject({ queue, tier: "queue-rules" });
    expect(output.confidence).toBeGreaterThanOrEqual(0.95);
  });

  it.each([
    ["billing", "Why is there a charge of £79.00 on my statement?"],
    ["shipping", "You sent me the wrong size, how do I exchange it?"],
    ["account", "How can I update my username on my profile?"],
    ["technical", "When I click the button nothing happens, tried Chrome and Firefox."],
    ["other", "What are your opening hours on Sunday?"],
  ] as const)("routes a %s case without a rule by keyword scores", async (queue, text) => {
    const { output } = await triage(text);
    expect(output).toMatchObject({ queue, tier: "keyword-scores" });
  });

  it.each([
    "Where is order ORD-102938?",
    "Where's the order #A1234567?",
    "Where are my items?",
    "What's the status of order 55123?",
    "Any update on my order ORD-552301?",
    "When will my parcel arrive?",
  ])("routes a question about where an order is to shipping: %s", async (text) => {
    const { output } = await triage(text);
    expect(output).toMatchObject({ queue: "shipping", tier: "queue-rules" });
  });

  it("routes an order that has not come by keyword scores", async () => {
    const { output } = await triage("Order ORD-102938 still not here, I haven't heard anything.");
    expect(output).toMatchObject({ queue: "shipping", tier: "keyword-scores" });
  });

  it("falls back to other when nothing matches", async () => {
    const { output, steps } = await triage("hello?");
    expect(output).toMatchObject({ queue: "other", confidence: 0.3, tier: "fallback-other" });
    expect(steps.map((s) => s.name)).toContain("keyword-scores");
  });

  it("prefers a weak keyword answer to the fallback, and the fallback to no evidence", async () => {
    // One good hint: below the keyword tier's threshold, yet more confident than the fallback.
    const { output } = await triage("The search function returns no results.");
    expect(output).toMatchObject({ queue: "technical", tier: "keyword-scores" });
    expect(output.confidence).toBeLessThan(KEYWORD_THRESHOLD);
    expect(output.confidence).toBeGreaterThan(FALLBACK_CONFIDENCE);
    // A single weak hint is not enough to beat the fallback.
    expect(confidenceOf(1, 0)).toBeLessThan(FALLBACK_CONFIDENCE);
    expect(confidenceOf(3, 0)).toBeCloseTo(0.6, 2);
    expect(confidenceOf(3, 3)).toBeCloseTo(0.3, 2);
    expect(scoreQueues({ text: "hello?" }).label).toBeNull();
  });

  it("flags urgency", async () => {
    expect((await triage("Please refund me ASAP")).output.urgent).toBe(true);
    expect((await triage("Card declined!!!")).output.urgent).toBe(true);
    expect((await triage("No hurry, but my card was declined.")).output.urgent).toBe(false);
  });
});

describe("support-triage on the labelled sample", () => {
  const sample = readLabelled("sample.jsonl");
  const holdout = readLabelled("holdout.jsonl");

  it("accepts the data lines as input (the extra queue key is dropped)", () => {
    expect(sample.length).toBeGreaterThanOrEqual(60);
    expect(new Set(sample.map((s) => s.queue))).toEqual(
      new Set(["billing", "shipping", "account", "technical", "other"]),
    );
    for (const line of sample) expect(supportTriageInput.parse(line)).toEqual({ text: line.text });
  });

  it("returns schema-valid output for every sample message", async () => {
    for (const line of sample) {
      const r = await run(supportTriage, line);
      expect(r.status).toBe("done");
      expect(supportTriageOutput.safeParse(r.output).success).toBe(true);
    }
  });

  it("routes at least 95% of the sample (the rules were written with it in view)", async () => {
    expect(await accuracy(sample)).toBeGreaterThanOrEqual(0.95);
  });

  it("routes at least 85% of the held-out messages (never tuned on)", async () => {
    expect(await accuracy(holdout)).toBeGreaterThanOrEqual(0.85);
  });
});
