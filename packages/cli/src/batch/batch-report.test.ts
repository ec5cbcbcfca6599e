import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BatchSummary } from "@catena/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batchReportJson, batchReportText, valueCounts } from "./batch-report.ts";
import { tallyResults } from "./tally-results.ts";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "catena-batch-report-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const summary: BatchSummary = {
  status: "done",
  total: 4,
  done: 1,
  failed: 0,
  deferred: 0,
  waiting: 0,
  skipped: 3,
  ms: 10,
  itemsPerSecond: 100,
  usage: { inputTokens: 10, outputTokens: 2, costUsd: 0.001 },
  deferredReasons: {},
};

describe("batchReportText", () => {
  it("says what the results file's tokens and cost leave out: records with no usage, unpriced ones, dropped failures", async () => {
    const out = join(dir, "out.jsonl");
    const records = [
      // Written before records carried usage, or an item that spent nothing.
      { index: 0, status: "done", output: {} },
      { index: 1, status: "done", output: {}, usage: { inputTokens: 10, outputTokens: 2, costUsd: 0.001 } },
      // A model at no known price.
      { index: 2, status: "done", output: {}, usage: { inputTokens: 5, outputTokens: 1 } },
      { index: 3, status: "done", output: {}, usage: { inputTokens: 10, outputTokens: 2, costUsd: 0.001 } },
    ];
    await writeFile(out, `${records.map((r) => JSON.stringify(r)).join("\n")}\n`);
    const tally = await tallyResults(out);
    expect(tally).toMatchObject({
      withoutUsage: 1,
      unpriced: 1,
      usage: { inputTokens: 25, outputTokens: 5 },
    });
    const report = { chain: "c@1.0.0", file: "in", out, shownFile: "in", shownOut: "out", summary, tally };
    expect(batchReportText({ ...report, retriedFailed: true })).toContain(
      "  results file now holds 4 items: done 4; its records' tokens 25 in / 5 out; cost $0.0020 (1 record carries no usage: spent nothing, or written before records carried it; 1 record's tokens have no known price; the failed attempts --retry-failed dropped are not in the file)\n",
    );
    const priced = { ...tally, withoutUsage: 0, unpriced: 0 };
    expect(batchReportText({ ...report, tally: priced })).toContain(
      "  results file now holds 4 items: done 4; its records' tokens 25 in / 5 out; cost $0.0020\n",
    );
  });
});

describe("a batch's audits", () => {
  it("are counted apart from the chain's tokens and cost, in the text and in --json", async () => {
    const out = join(dir, "audited.jsonl");
    await writeFile(out, `${JSON.stringify({ index: 0, status: "done", output: {} })}\n`);
    const tally = await tallyResults(out);
    const audits = {
      calls: 30,
      agreed: 27,
      disagreed: 2,
      failed: 1,
      byTier: { linear: { calls: 30, agreed: 27 } },
      usage: { inputTokens: 3000, outputTokens: 150, costUsd: 0.012 },
    };
    const report = {
      chain: "banking-intents@1.0.0",
      file: "in",
      out,
      shownFile: "in",
      shownOut: "out",
      summary: { ...summary, audits },
      tally,
    };
    const text = batchReportText(report);
    expect(text).toContain("  tokens 10 in / 2 out; cost $0.0010\n");
    expect(text).toContain(
      "  audits: 30 LLM calls on cheap-tier answers (agreed 27, disagreed 2, failed 1); tokens 3000 in / 150 out; cost $0.0120, not in the cost above; catena audit report banking-intents measures each tier's precision\n",
    );
    expect(batchReportJson(report)).toMatchObject({ usage: summary.usage, audits });
  });
});

describe("what a batch spent", () => {
  it("sums the records' cachedUsd into the results file's usage, an item answered wholly from the cache not counted as unpriced", async () => {
    const out = join(dir, "cached-records.jsonl");
    const records = [
      { index: 0, status: "done", output: {}, usage: { inputTokens: 10, outputTokens: 2, costUsd: 0.001 } },
      { index: 1, status: "done", output: {}, usage: { inputTokens: 0, outputTokens: 0, cachedUsd: 0.001 } },
      { index: 2, status: "done", output: {}, usage: { inputTokens: 0, outputTokens: 0, cachedUsd: 0.001 } },
      { index: 3, status: "done", output: {}, usage: { inputTokens: 10, outputTokens: 2, costUsd: 0.001 } },
    ];
    await writeFile(out, `${records.map((r) => JSON.stringify(r)).join("\n")}\n`);
    const tally = await tallyResults(out);
    expect(tally).toMatchObject({ withoutUsage: 0, unpriced: 0 });
    expect(tally.usage.cachedUsd).toBeCloseTo(0.002, 12);
    const report = { chain: "c@1.0.0", file: "in", out, shownFile: "in", shownOut: "out", summary, tally };
    expect(batchReportText(report)).toContain(
      "  results file now holds 4 items: done 4; its records' tokens 20 in / 4 out; cost $0.0020 (answers from the LLM cache would cost $0.0020 more)\n",
    );
    const json = batchReportJson(report) as { resultsFile: { usage: { cachedUsd?: number } } };
    expect(json.resultsFile.usage.cachedUsd).toBeCloseTo(0.002, 12);
  });

  it("says apart what its answers from the LLM cache would have cost", async () => {
    const out = join(dir, "cached.jsonl");
    await writeFile(out, `${JSON.stringify({ index: 0, status: "done", output: {} })}\n`);
    const tally = await tallyResults(out);
    const cachedRun = {
      ...summary,
      usage: { inputTokens: 10, outputTokens: 2, costUsd: 0.001, cachedUsd: 0.002 },
    };
    const report = {
      chain: "c@1.0.0",
      file: "in",
      out,
      shownFile: "in",
      shownOut: "out",
      summary: cachedRun,
      tally,
    };
    expect(batchReportText(report)).toContain(
      "  tokens 10 in / 2 out; cost $0.0010 (answers from the LLM cache, not spent, would cost $0.0020 more)\n",
    );
    expect(batchReportText({ ...report, summary })).toContain("  tokens 10 in / 2 out; cost $0.0010\n");
  });
});

describe("the counts per label", () => {
  it("lists the ten most frequent labels, then how many more there are and the items they hold", async () => {
    const out = join(dir, "labels.jsonl");
    // 77 labels, label i given to 100 - i items... kept small: 77 - i items.
    const records = Array.from({ length: 77 }, (_, i) => i).flatMap((i) =>
      Array.from({ length: 77 - i }, () => ({ status: "done", output: { label: `intent_${i}` } })),
    );
    await writeFile(out, `${records.map((r, index) => JSON.stringify({ index, ...r })).join("\n")}\n`);
    const tally = await tallyResults(out);
    const text = batchReportText({
      chain: "c@1.0.0",
      file: "in",
      out,
      shownFile: "in",
      shownOut: "out",
      summary,
      tally,
    });
    const line = text.split("\n").find((l) => l.startsWith("  label: ")) ?? "";
    expect(line).toBe(
      `  label: ${Array.from({ length: 10 }, (_, i) => `intent_${i} ${77 - i}`).join(", ")}, … and 67 more (${(67 * 68) / 2} items; all in --json)`,
    );
    expect(
      valueCounts([
        ["a", 2],
        ["b", 1],
      ]),
    ).toBe("a 2, b 1");
  });

  it("keeps the most frequent first when labels are numbers, and counts a label named constructor or __proto__", async () => {
    const out = join(dir, "numeric.jsonl");
    // Labels "1" to "12", label "k" given to k items; then 20 "constructor" and 15 "__proto__".
    const labels = [
      ...Array.from({ length: 12 }, (_, i) => i + 1).flatMap((k) =>
        Array.from({ length: k }, () => String(k)),
      ),
      ...Array.from({ length: 20 }, () => "constructor"),
      ...Array.from({ length: 15 }, () => "__proto__"),
    ];
    await writeFile(
      out,
      `${labels.map((label, index) => JSON.stringify({ index, status: "done", output: { label } })).join("\n")}\n`,
    );
    const tally = await tallyResults(out);
    const report = { chain: "c@1.0.0", file: "in", out, shownFile: "in", shownOut: "out", summary, tally };
    const line = batchReportText(report)
      .split("\n")
      .find((l) => l.startsWith("  label: "));
    expect(line).toBe(
      "  label: constructor 20, __proto__ 15, 12 12, 11 11, 10 10, 9 9, 8 8, 7 7, 6 6, 5 5, … and 4 more (10 items; all in --json)",
    );
    const json = JSON.parse(JSON.stringify(batchReportJson(report)));
    expect(json.resultsFile.counts.label).toMatchObject({ constructor: 20, "12": 12, "1": 1 });
    expect(Object.hasOwn(json.resultsFile.counts.label, "__proto__")).toBe(true);
    expect(Object.values(json.resultsFile.counts.label).reduce((a: number, b) => a + Number(b), 0)).toBe(
      labels.length,
    );
  });
});
