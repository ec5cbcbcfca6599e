import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DatasetError } from "../errors/ml-errors.ts";
import { readLabelledCsv } from "./read-labelled-csv.ts";

const dir = mkdtempSync(join(tmpdir(), "catena-csv-"));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("readLabelledCsv", () => {
  it("reads texts and labels with their line numbers (quoted multi-line cells included)", () => {
    const path = file("ok.csv", 'text,category\n"hello, there",greet\n"two\nlines",other\nbye,greet\n');
    expect(readLabelledCsv(path, { labelColumn: "category" })).toEqual([
      { text: "hello, there", label: "greet", line: 2 },
      { text: "two\nlines", label: "other", line: 4 },
      { text: "bye", label: "greet", line: 5 },
    ]);
  });

  it("takes quotes in a .tsv file as text, one row a line, where CSV rules would refuse them", () => {
    const path = file(
      "quotes.tsv",
      'text\tlabel\nmy 5" card\tcard\n"lost" card\tcard\n"never closed\tother\nbye\tother\n',
    );
    expect(readLabelledCsv(path)).toEqual([
      { text: 'my 5" card', label: "card", line: 2 },
      { text: '"lost" card', label: "card", line: 3 },
      { text: '"never closed', label: "other", line: 4 },
      { text: "bye", label: "other", line: 5 },
    ]);
    // A .csv keeps the CSV rules and its advice on quotes.
    const csv = file("quotes.csv", 'text,label\n"never closed,other\nbye,other\n');
    expect(() => readLabelledCsv(csv)).toThrow(
      /line 2: a quote opened .* write a quote inside a field as ""/,
    );
  });

  it("names a missing column and the columns there are", () => {
    const path = file("cols.csv", "text,category\nhi,greet\n");
    expect(() => readLabelledCsv(path)).toThrow(/no "label" column \(columns: text, category\)/);
  });

  it("rejects an empty file and a missing file", () => {
    expect(() => readLabelledCsv(file("empty.csv", ""))).toThrow(/is empty/);
    expect(() => readLabelledCsv(join(dir, "nope.csv"))).toThrow(DatasetError);
  });

  it("lists labels outside the allowed set and empty cells with their lines", () => {
    const path = file("labels.csv", "text,label\na,greet\nb,refund\nc,greet\nd,refund\n");
    expect(() => readLabelledCsv(path, { labels: ["greet"] })).toThrow(
      /labels outside the allowed set: "refund" \(line 3\), "refund" \(line 5\)/,
    );
    expect(() => readLabelledCsv(file("blank.csv", "text,label\na,greet\n,greet\n"))).toThrow(
      /empty text or label \(line 3\)/,
    );
  });

  it("keeps a blank text when asked (an evaluation counts it as refused), never a blank label", () => {
    const path = file("blank-text.csv", "text,label\na,greet\n,greet\n");
    expect(readLabelledCsv(path, { keepBlankTexts: true })).toEqual([
      { text: "a", label: "greet", line: 2 },
      { text: "", label: "greet", line: 3 },
    ]);
    const noLabel = file("blank-label.csv", "text,label\na,greet\nb,\n");
    expect(() => readLabelledCsv(noLabel, { keepBlankTexts: true })).toThrow(
      /empty text or label \(line 3\)/,
    );
  });
});
