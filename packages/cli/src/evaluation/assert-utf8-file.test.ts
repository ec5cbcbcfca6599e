import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { assertUtf8File } from "./assert-utf8-file.ts";

const dir = mkdtempSync(join(tmpdir(), "catena-utf8-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("assertUtf8File", () => {
  it("says a UTF-16 file (byte order mark) is UTF-16 and how to convert it, not that byte 1 is bad", () => {
    const path = join(dir, "u16.csv");
    writeFileSync(path, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("text,label\n", "utf16le")]));
    expect(() => assertUtf8File(path, "u16.csv")).toThrow(
      "u16.csv is UTF-16 (its byte order mark says so), not UTF-8; save the file as UTF-8 (e.g. iconv -f utf-16le -t utf-8).",
    );
  });

  it("still names the line of a Latin-1 byte", () => {
    const path = join(dir, "latin1.csv");
    writeFileSync(path, Buffer.from("text,label\ncaf\xe9,x\n", "latin1"));
    expect(() => assertUtf8File(path, "latin1.csv")).toThrow(/latin1\.csv line 2 is not valid UTF-8/);
  });
});
