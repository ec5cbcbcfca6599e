import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { readEvalItems } from "./read-eval-items.ts";

const dir = mkdtempSync(join(tmpdir(), "catena-eval-items-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe("readEvalItems", () => {
  it("reads the expected value from the label field, else from label", () => {
    const path = file("ok.jsonl", '{"text": "a", "queue": "billing"}\n{"text": "b", "label": "other"}\n');
    expect(readEvalItems(path, "ok.jsonl", undefined, "queue").map((i) => i.label)).toEqual([
      "billing",
      "other",
    ]);
  });

  it("says what a labelled item needs in words that fit every command reading one (skew's baseline too)", () => {
    const path = file("unlabelled.jsonl", '{"text": "a"}\n');
    expect(() => readEvalItems(path, "dev.jsonl")).toThrow(
      'dev.jsonl line 1 has no "label" string; each labelled item needs its expected label, e.g. {"text": "...", "label": "..."}.',
    );
  });

  it("reads a CSV whose headers are in another case (BOM, CRLF) and a .tsv, as eval, skew and calibrate get them", () => {
    const fixtures = fileURLToPath(new URL("../../../../tests/fixtures/heldout/", import.meta.url));
    const csv = readEvalItems(join(fixtures, "bom-crlf-case.csv"), "bom-crlf-case.csv");
    expect(csv).toHaveLength(36);
    expect(csv[0]).toEqual({
      input: { text: "I am still waiting on my card?" },
      label: "card_arrival",
      line: 2,
    });
    const tsv = readEvalItems(join(fixtures, "tabs.tsv"), "tabs.tsv");
    expect(new Set(tsv.map((i) => i.label))).toEqual(
      new Set(["card_arrival", "exchange_rate", "lost_or_stolen_card"]),
    );
  });
});
