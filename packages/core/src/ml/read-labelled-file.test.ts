import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DatasetError } from "../errors/ml-errors.ts";
import { readLabelledFile } from "./read-labelled-file.ts";

/** The user-shaped files of tests/fixtures/heldout (see its README). */
const fixtures = fileURLToPath(new URL("../../../../tests/fixtures/heldout/", import.meta.url));
const fixture = (name: string): string => join(fixtures, name);

describe("readLabelledFile", () => {
  it("reads a CSV with a BOM, CRLF and Text/Category headers, keeping a quoted line break", () => {
    const rows = readLabelledFile(fixture("bom-crlf-case.csv"), { labelColumn: "category" });
    expect(rows).toHaveLength(36);
    expect(rows[0]).toEqual({ text: "I am still waiting on my card?", label: "card_arrival", line: 2 });
    expect(rows[2]?.text).toMatch(/,\r\nsent from my phone, "quickly"$/);
    expect(new Set(rows.map((r) => r.label))).toEqual(
      new Set(["card_arrival", "exchange_rate", "lost_or_stolen_card"]),
    );
  });

  it("splits a .tsv on tabs", () => {
    const rows = readLabelledFile(fixture("tabs.tsv"));
    expect(rows).toHaveLength(36);
    expect(rows.every((r) => !r.text.includes("\t"))).toBe(true);
  });

  it("reads JSON lines, ignoring the other fields", () => {
    const rows = readLabelledFile(fixture("labelled.jsonl"), {
      labels: ["card_arrival", "exchange_rate", "lost_or_stolen_card"],
    });
    expect(rows).toHaveLength(36);
    expect(rows[0]).toMatchObject({ label: "card_arrival", line: 1 });
  });

  it("names each JSON line that is not a labelled example, and why", () => {
    let error: unknown;
    try {
      readLabelledFile(fixture("odd-types.jsonl"));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DatasetError);
    const { message, problems } = error as DatasetError;
    expect(message).toContain("6 lines are not labelled examples");
    expect(message).toContain('line 3 ("text" is a number), line 4 ("text" is null)');
    expect(message).toContain('line 6 ("text" is missing)');
    expect(message).toMatch(
      /Each line needs a string text and label, e\.g\. \{"text": "\.\.\.", "label": "\.\.\."\}/,
    );
    expect(problems.map((p) => p.line)).toEqual([3, 4, 5, 6, 7, 8]);
  });

  it("refuses a header with the text or label column twice (in any case), naming their places", () => {
    const dir = mkdtempSync(join(tmpdir(), "catena-labelled-"));
    const twice = join(dir, "twice.csv");
    writeFileSync(twice, "text,label,Text\nmy card,card_arrival,where is it\n");
    expect(() => readLabelledFile(twice)).toThrow(
      `${twice} has 2 "text" columns (columns 1 and 3 of the header); rename or remove all but one.`,
    );
  });

  it("names the line where a quote that is never closed opened, not the end of the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "catena-labelled-"));
    const open = join(dir, "open.csv");
    writeFileSync(open, 'text,label\n"a ""quoted"" one",x\n"multi\nline",y\n"never closed,x\nb,y\nc,x\n');
    expect(() => readLabelledFile(open)).toThrow(
      `${open} line 5: a quote opened on this line is never closed, so it swallows the rest of the file; close it, and write a quote inside a field as "".`,
    );
  });

  it("says a tab-separated or JSON-lines file named .csv looks like one", () => {
    const dir = mkdtempSync(join(tmpdir(), "catena-labelled-"));
    const tsvAsCsv = join(dir, "tabs.csv");
    copyFileSync(fixture("tabs.tsv"), tsvAsCsv);
    expect(() => readLabelledFile(tsvAsCsv)).toThrow(
      /is not valid CSV: .*It looks tab-separated: name it \.tsv\./,
    );
    const jsonlAsCsv = join(dir, "odd.csv");
    copyFileSync(fixture("odd-types.jsonl"), jsonlAsCsv);
    expect(() => readLabelledFile(jsonlAsCsv)).toThrow(/It looks like JSON lines: name it \.jsonl\./);
  });
});
