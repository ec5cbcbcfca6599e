/*
 * Judge alignment with planted disagreements: a judge scripted on the OpenAI test server is run
 * over 20 human-labelled outputs; the expected kappa is computed by hand below.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type OpenAiTestServer, startOpenAiTestServer } from "@catena/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alignJudge, readHumanLabels } from "./align-judge.ts";
import { EvalsError } from "./evals-error.ts";
import { cohenKappa } from "./judge-alignment.ts";
import { appendAlignment, readJudgeRecord, requireAlignedJudge } from "./judge-record.ts";
import { llmJudge } from "./llm-judge.ts";

// People pass answers 0–11 and fail 12–19. The judge passes 0–9 (10 agreed passes), fails 10–11
// (2 planted false negatives), passes 12–14 (3 planted false positives) and fails 15–19 (5 agreed).
const human = (i: number) => i < 12;
const judgeSays = (i: number) => i < 10 || (i >= 12 && i < 15);

// By hand: TP 10, FN 2, FP 3, TN 5, n 20. Observed agreement (10 + 5) / 20 = 0.75.
// Judge passes 13/20 = 0.65, people pass 12/20 = 0.6; chance 0.65·0.6 + 0.35·0.4 = 0.39 + 0.14 = 0.53.
// kappa = (0.75 − 0.53) / (1 − 0.53) = 0.22 / 0.47 = 0.4680851…
const EXPECTED_KAPPA = 0.22 / 0.47;

let server: OpenAiTestServer;
let dir: string;

beforeAll(async () => {
  server = await startOpenAiTestServer((request) => {
    const i = Number(/answer number (\d+)/.exec(JSON.stringify(request.messages))?.[1]);
    return {
      json: { reason: `answer ${i} ${judgeSays(i) ? "meets" : "misses"} the rubric`, pass: judgeSays(i) },
    };
  });
  dir = await mkdtemp(join(tmpdir(), "catena-align-"));
  const lines = Array.from({ length: 20 }, (_, i) =>
    JSON.stringify({
      id: `ex-${i}`,
      inputs: { text: `question ${i}` },
      output: { answer: `answer number ${i}` },
      label: human(i) ? "pass" : "fail",
    }),
  );
  await writeFile(join(dir, "labels.jsonl"), `${lines.join("\n")}\n`);
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const judgeWith = (rubric: string) =>
  llmJudge({
    name: "answer_ok",
    rubric,
    model: "openai:gpt-4.1-mini-2025-04-14",
    baseURL: server.url,
    apiKey: "test",
  });

describe("catena judge alignment", () => {
  it("finds the planted disagreements and the kappa computed by hand", async () => {
    const { report } = await alignJudge(
      judgeWith("Answers the question."),
      await readHumanLabels(join(dir, "labels.jsonl")),
    );
    expect(report.n).toBe(20);
    expect(report.confusion).toEqual({
      truePositive: 10,
      falseNegative: 2,
      falsePositive: 3,
      trueNegative: 5,
    });
    expect(report.kappa).toBeCloseTo(EXPECTED_KAPPA, 10);
    expect(report.tpr).toBeCloseTo(10 / 12, 10);
    expect(report.tnr).toBeCloseTo(5 / 8, 10);
    expect(report.disagreements.map((d) => d.id)).toEqual(["ex-10", "ex-11", "ex-12", "ex-13", "ex-14"]);
    expect(report.disagreements[0]).toMatchObject({
      judge: false,
      human: true,
      comment: "answer 10 misses the rubric",
    });
  });

  it("kappa is 1 for perfect agreement, 0 at chance, negative below it", () => {
    expect(cohenKappa({ truePositive: 5, falsePositive: 0, trueNegative: 5, falseNegative: 0 })).toBe(1);
    // Judge passes everything: agreement equals chance.
    expect(cohenKappa({ truePositive: 6, falsePositive: 4, trueNegative: 0, falseNegative: 0 })).toBe(0);
    expect(cohenKappa({ truePositive: 0, falsePositive: 5, trueNegative: 0, falseNegative: 5 })).toBe(-1);
  });

  it("a gate trusts the judge only for the fingerprint measured, and only above the minimum kappa", async () => {
    const records = join(dir, "judges");
    const judge = judgeWith("Answers the question.");
    await expect(requireAlignedJudge(records, judge, 0.4)).rejects.toThrow(
      /no alignment record for its current fingerprint.*catena judge align answer_ok/,
    );
    const { report } = await alignJudge(judge, await readHumanLabels(join(dir, "labels.jsonl")));
    await appendAlignment(records, judge.name, {
      fingerprint: judge.fingerprint,
      model: judge.model,
      kappa: report.kappa,
      tpr: report.tpr,
      tnr: report.tnr,
      n: report.n,
      date: new Date().toISOString(),
      labels: "labels.jsonl",
    });
    expect((await readJudgeRecord(records, "answer_ok")).alignments).toHaveLength(1);
    await expect(requireAlignedJudge(records, judge, 0.4)).resolves.toMatchObject({ n: 20 });
    const low = requireAlignedJudge(records, judge, 0.6);
    await expect(low).rejects.toBeInstanceOf(EvalsError);
    await expect(low).rejects.toThrow(/kappa 0\.47 \(n=20.*below the minimum 0\.6/);
    const changed = judgeWith("Answers the question, politely.");
    await expect(requireAlignedJudge(records, changed, 0.4)).rejects.toThrow(
      /prompt, model or rubric changed/,
    );
  });
});
