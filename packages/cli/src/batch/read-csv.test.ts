import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UnreadableItem } from "@catena/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocatedItem } from "./located-item.ts";
import { readCsv } from "./read-csv.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "catena-csv-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readAll(text: string): Promise<LocatedItem[]> {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.csv`);
  await writeFile(path, text);
  const items: LocatedItem[] = [];
  for await (const item of readCsv(path)) items.push(item);
  return items;
}

describe("readCsv", () => {
  it("keys records by the header and keeps quoted commas, quotes and newlines", async () => {
    const items = await readAll('\uFEFFtext,id\n"a, b",1\n"say ""hi""\nthere",2\n');
    expect(items).toEqual([
      { value: { text: "a, b", id: "1" }, line: 2 },
      { value: { text: 'say "hi"\nthere', id: "2" }, line: 4 },
    ]);
  });

  it("puts an unreadable record in its place, with its line number", async () => {
    // Many rows, so that the bad one falls in the middle of a parsed chunk.
    const rows = Array.from({ length: 2000 }, (_, i) => (i === 1234 ? "x,y,z" : `row ${i},${i}`));
    const items = await readAll(`text,id\n${rows.join("\n")}\n`);
    expect(items).toHaveLength(2000);
    const bad = items[1234]?.value;
    expect(bad).toBeInstanceOf(UnreadableItem);
    const error = (bad as UnreadableItem).error;
    expect(error.message).toBe("line 1236: columns length is 2, got 3");
    expect(error.details).toMatchObject({ line: 1236 });
    expect(items[1233]?.value).toEqual({ text: "row 1233", id: "1233" });
    expect(items[1235]?.value).toEqual({ text: "row 1235", id: "1235" });
  });
});
