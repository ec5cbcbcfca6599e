import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UnreadableItem } from "@catena/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DecodeOptions } from "./decoded-lines.ts";
import { inputEncoding } from "./input-encoding.ts";
import type { LocatedItem } from "./located-item.ts";
import { readJsonl } from "./read-jsonl.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "catena-jsonl-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readAll(bytes: Buffer, options: DecodeOptions = {}): Promise<LocatedItem[]> {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.jsonl`);
  await writeFile(path, bytes);
  const items: LocatedItem[] = [];
  for await (const item of readJsonl(path, options)) items.push(item);
  return items;
}

describe("readJsonl", () => {
  it("refuses a line that is not valid UTF-8 with its line number, instead of patching it with U+FFFD", async () => {
    const bytes = Buffer.concat([
      Buffer.from('\uFEFF{"text":"café"}\r\n\n'),
      Buffer.from('{"text":"caf'),
      Buffer.from([0xe9]),
      Buffer.from('"}\n{"text":"ok"}'),
    ]);
    const items = await readAll(bytes);
    expect(items.map((i) => i.line)).toEqual([1, 3, 4]);
    expect(items[0]?.value).toEqual({ text: "café" });
    const bad = items[1]?.value as UnreadableItem;
    expect(bad).toBeInstanceOf(UnreadableItem);
    expect(bad.error.message).toMatch(/^line 3: not valid UTF-8 \(byte 0xE9 at byte 13 of the line\)/);
    expect(bad.error.details).toMatchObject({ line: 3, code: "INVALID_ENCODING" });
    expect(items[2]?.value).toEqual({ text: "ok" });
  });

  it("decodes the encoding it is given, and UTF-16 big-endian by its byte order mark", async () => {
    const latin1 = Buffer.from('{"text":"café"}\n', "latin1");
    expect((await readAll(latin1, { encoding: inputEncoding("latin1") }))[0]?.value).toEqual({
      text: "café",
    });
    const le = Buffer.from('{"text":"a"}\n{"text":"☕"}\n', "utf16le");
    const be = Buffer.from(le).swap16();
    const items = await readAll(Buffer.concat([Buffer.from([0xfe, 0xff]), be]));
    expect(items.map((i) => i.value)).toEqual([{ text: "a" }, { text: "☕" }]);
  });
});
