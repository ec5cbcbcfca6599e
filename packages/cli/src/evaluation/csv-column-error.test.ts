import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bankingIntentsTrainer } from "@catena/chains";
import { afterAll, describe, expect, it } from "vitest";
import { readCsvColumns } from "./csv-column-error.ts";
import { readEvalItems } from "./read-eval-items.ts";

const dir = mkdtempSync(join(tmpdir(), "catena-csv-columns-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe("a CSV file without the columns", () => {
  it("names the flag it came with and the rename to make, not the code API's textColumn", () => {
    const path = file("queries.csv", "query,intent\nwhere is my card,card_arrival\n");
    const read = () => readEvalItems(path, "queries.csv", undefined, "label", "--baseline");
    expect(read).toThrow(
      '--baseline queries.csv has no text column (its columns: query, intent); name the column of the texts "text" in the header row.',
    );
    expect(read).not.toThrow(/textColumn|labelColumn/);
  });

  it("lists the label columns it reads, the chain's label field first", () => {
    const path = file("tickets.csv", "text,team\nmy invoice is wrong,billing\n");
    expect(() => readEvalItems(path, "tickets.csv", undefined, "queue")).toThrow(
      '--data tickets.csv has no label column (its columns: text, team); name the column of the labels "queue" or "label" or "category" in the header row.',
    );
  });

  it("does so for a chain's own reader too (catena train --data)", () => {
    const path = file("train.csv", "text,intent\nwhere is my card,card_arrival\n");
    expect(() =>
      readCsvColumns(() => bankingIntentsTrainer.readData(path), {
        option: "--data",
        shown: "train.csv",
        labelColumns: ["label", "category"],
      }),
    ).toThrow(
      /^--data train\.csv has no label column \(its columns: text, intent\); name the column of the labels "label" or "category"/,
    );
  });

  it("knows the missing column from a reader of another copy of @catena/core (a chain module's own)", () => {
    // What another copy's DatasetError is to this one: not an instance of its class, but branded.
    const otherCopy = Object.assign(new Error("column label not found"), {
      [Symbol.for("catena.error")]: true,
      code: "DATASET_INVALID",
      details: { column: "label", columns: ["text", "intent"] },
    });
    expect(() =>
      readCsvColumns(
        () => {
          throw otherCopy;
        },
        { option: "--data", shown: "train.csv", labelColumns: ["label"] },
      ),
    ).toThrow(/^--data train\.csv has no label column \(its columns: text, intent\)/);
  });
});
