import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UnreadableItem } from "@catena/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DecodeOptions } from "./decoded-lines.ts";
import { inputEncoding } from "./input-encoding.ts";
import type { LocatedItem } from "./located-item.ts";
import { readCsv } from "./read-csv.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "catena-csv-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readAll(text: string | Buffer, options: DecodeOptions = {}): Promise<LocatedItem[]> {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.csv`);
  await writeFile(path, text);
  const items: LocatedItem[] = [];
  for await (const item of readCsv(path, options)) items.push(item);
  return items;
}

function messageOf(item: LocatedItem | undefined): string {
  expect(item?.value).toBeInstanceOf(UnreadableItem);
  return (item as LocatedItem & { value: UnreadableItem }).value.error.message;
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

  it("reports a quote that is never closed at the line where it opened, and reads every record after it", async () => {
    const rows = Array.from({ length: 100 }, (_, i) => `row ${i},${i}`);
    const items = await readAll(`text,id\nfirst,a\n"unclosed,b\n${rows.join("\n")}\n`);
    expect(items).toHaveLength(102);
    expect(items[0]).toEqual({ value: { text: "first", id: "a" }, line: 2 });
    expect(messageOf(items[1])).toMatch(/^line 3: a quote opened on this line is never closed/);
    expect(items[1]?.line).toBe(3);
    expect(items.slice(2).map((i) => i.value)).toEqual(
      rows.map((_, i) => ({ text: `row ${i}`, id: String(i) })),
    );
    expect(items[101]?.line).toBe(103);
  });

  it("finds the opening line after a multi-line field that closed, and recovers twice", async () => {
    const items = await readAll('text,id\n"two\nlines",1\nok,2\n"open,3\nok,4\n"again,5\nok,6\n');
    expect(
      items.map((i) => (i.value instanceof UnreadableItem ? `! ${i.line}` : (i.value as { id: string }).id)),
    ).toEqual(["1", "2", "! 5", "4", "! 7", "6"]);
  });

  it("refuses a line that is not valid UTF-8, with its line number, and reads the others", async () => {
    const bytes = Buffer.concat([
      Buffer.from("text,id\ncafé,1\n"),
      Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2c, 0x32, 0x0a]), // "café,2" in latin1
      Buffer.from("ok,3\n"),
    ]);
    const items = await readAll(bytes);
    expect(items).toHaveLength(3);
    expect(items[0]?.value).toEqual({ text: "café", id: "1" });
    expect(messageOf(items[1])).toMatch(
      /^line 3: not valid UTF-8 \(byte 0xE9 at byte 4 of the line\); .*--encoding latin1/,
    );
    expect(items[2]?.value).toEqual({ text: "ok", id: "3" });
  });

  it("decodes latin1 with --encoding, and UTF-16 by its byte order mark", async () => {
    const latin1 = Buffer.from("text,id\ncafé,1\n", "latin1");
    expect((await readAll(latin1, { encoding: inputEncoding("latin1") }))[0]?.value).toEqual({
      text: "café",
      id: "1",
    });
    const utf16 = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from("text,id\r\nnaïve ☕,1\r\n", "utf16le"),
    ]);
    expect((await readAll(utf16)).map((i) => i.value)).toEqual([{ text: "naïve ☕", id: "1" }]);
  });
});
