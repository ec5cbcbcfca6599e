/*
 * One conformance test for every built-in evaluator (the LLM judge included, against the OpenAI
 * test server): each returns { key, score, comment } with a score that is a number, a boolean or
 * null; each has a stable fingerprint that changes with what it checks; each scores a right and a
 * wrong output differently.
 */
import { startOpenAiTestServer } from "@catena/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { codeAssertion } from "./code-assertion.ts";
import { embeddingSimilarity } from "./embedding-similarity.ts";
import type { EvaluationCase, Evaluator } from "./evaluator.ts";
import { exactMatch } from "./exact-match.ts";
import { fieldMatch } from "./field-match.ts";
import { llmJudge } from "./llm-judge.ts";
import { numericTolerance } from "./numeric-tolerance.ts";
import { regexMatch } from "./regex-match.ts";
import { schemaValidity } from "./schema-validity.ts";

const output = z.object({ queue: z.enum(["billing", "shipping"]), total: z.number(), answer: z.string() });
const reference = { queue: "billing", total: 10, answer: "You were charged twice; a refund is on its way." };
const right: EvaluationCase = {
  inputs: { text: "charged twice" },
  output: { ...reference },
  reference,
  status: "done",
};
const wrong: EvaluationCase = {
  inputs: { text: "charged twice" },
  output: { queue: "shipping", total: 13, answer: "Your parcel ships tomorrow." },
  reference,
  status: "done",
};

let server: Awaited<ReturnType<typeof startOpenAiTestServer>>;

beforeAll(async () => {
  server = await startOpenAiTestServer((request) => {
    // Passes when the graded output (after the reference in the prompt) says the refund is coming.
    const graded = JSON.stringify(request.messages).split("Output to grade")[1] ?? "";
    return { json: { reason: "compared with the reference", pass: graded.includes("refund is on its way") } };
  });
});
afterAll(() => server.close());

/** Each built-in twice (made the same way twice: same fingerprint) and a variant that checks something else. */
const builtins = (): Array<[string, () => Evaluator, () => Evaluator]> => [
  ["exact_match", () => exactMatch(), () => exactMatch({ key: "same" })],
  [
    "field_match (from the output schema)",
    () => fieldMatch({ outputSchema: output }),
    () => fieldMatch({ fields: ["queue"] }),
  ],
  [
    "schema_validity",
    () => schemaValidity(output.extend({ total: z.number().max(12) })),
    () => schemaValidity(output.strict()),
  ],
  [
    "regex",
    () => regexMatch({ field: "answer", pattern: "refund", flags: "i" }),
    () => regexMatch({ field: "answer", pattern: "parcel" }),
  ],
  [
    "numeric_tolerance",
    () => numericTolerance({ field: "total", tolerance: 1 }),
    () => numericTolerance({ field: "total", tolerance: 5 }),
  ],
  [
    "embedding_similarity",
    () => embeddingSimilarity({ field: "answer", threshold: 0.5 }),
    () => embeddingSimilarity({ field: "answer" }),
  ],
  [
    "code_assertion",
    () =>
      codeAssertion("mentions_refund", ({ output: o }) => /refund/.test((o as { answer: string }).answer)),
    () =>
      codeAssertion("mentions_refund", ({ output: o }) => /charged/.test((o as { answer: string }).answer)),
  ],
  [
    "llm_judge",
    () =>
      llmJudge({
        name: "answer_ok",
        rubric: "Says the refund is coming.",
        model: "openai:gpt-4.1-mini-2025-04-14",
        baseURL: server.url,
        apiKey: "test",
      }),
    () =>
      llmJudge({
        name: "answer_ok",
        rubric: "Says the refund is coming soon.",
        model: "openai:gpt-4.1-mini-2025-04-14",
        baseURL: server.url,
        apiKey: "test",
      }),
  ],
];

describe("every built-in evaluator keeps the contract", () => {
  it.each(builtins().map((b) => [b[0], b] as const))("%s", async (_name, [, make, variant]) => {
    const evaluator = make();
    expect(typeof evaluator.key).toBe("string");
    expect(evaluator.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(make().fingerprint).toBe(evaluator.fingerprint);
    expect(variant().fingerprint).not.toBe(evaluator.fingerprint);
    const good = await evaluator.evaluate(right);
    const bad = await evaluator.evaluate(wrong);
    for (const r of [good, bad]) {
      expect(r.key).toBe(evaluator.key);
      expect(r.score === null || typeof r.score === "number" || typeof r.score === "boolean").toBe(true);
      if (r.comment !== undefined) expect(typeof r.comment).toBe("string");
    }
    const numeric = (s: unknown) => (s === true ? 1 : s === false ? 0 : (s as number));
    expect(numeric(good.score)).toBeGreaterThan(numeric(bad.score));
  });
});

describe("built-ins say why a score is low", () => {
  it("field match names each wrong field with both values", async () => {
    const r = await fieldMatch({ fields: ["queue", "total"] }).evaluate(wrong);
    expect(r).toEqual({
      key: "field_match",
      score: 0,
      comment: 'queue: expected "billing", got "shipping"; total: expected 10, got 13',
    });
  });

  it("scores null, not false, when there is no reference to compare with", async () => {
    const { reference: _none, ...unlabelled } = right;
    for (const e of [
      exactMatch(),
      fieldMatch({ fields: ["queue"] }),
      numericTolerance({ field: "total", tolerance: 1 }),
    ]) {
      expect((await e.evaluate(unlabelled)).score).toBeNull();
    }
  });

  it("a code assertion that throws fails with the error as comment", async () => {
    const r = await codeAssertion("boom", () => {
      throw new Error("no answer field");
    }).evaluate(right);
    expect(r).toEqual({ key: "boom", score: false, comment: "assertion threw: no answer field" });
  });

  it("the LLM judge reports what it spent, apart from the chain", async () => {
    const judge = builtins()[7]?.[1]() as Evaluator;
    const r = await judge.evaluate(right);
    expect(r.comment).toBe("compared with the reference");
    expect(r.usage?.inputTokens).toBeGreaterThan(0);
  });
});
