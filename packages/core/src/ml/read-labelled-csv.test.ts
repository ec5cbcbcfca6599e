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
