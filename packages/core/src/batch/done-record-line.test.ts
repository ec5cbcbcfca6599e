import { describe, expect, it } from "vitest";
import { type DoneRecord, doneRecordLine } from "./done-record-line.ts";

const line = (record: DoneRecord): string =>
  doneRecordLine(record, JSON.stringify(record.chain), JSON.stringify(record.version));
const base = { index: 7, chain: 'tri"age', version: "1.0.0", status: "done" as const, ms: 1.25 };

describe("doneRecordLine", () => {
  it.each([
    ["numbers", { ...base, runId: "0193a0b2-1c2d-7e3f-8a9b-0123456789ab", input: 3, output: 8 }],
    ["objects and strings", { ...base, input: { text: "é\n\u2028" }, output: 'a "quoted" label' }],
    ["non-finite numbers", { ...base, ms: Number.NaN, input: Number.POSITIVE_INFINITY, output: -0 }],
    ["undefined and function values", { ...base, runId: undefined, input: () => 1, output: undefined }],
    ["absent optional fields", { ...base }],
    ["null and arrays", { ...base, input: null, output: [1, "two", { three: 3 }] }],
    ["a Date (toJSON)", { ...base, input: new Date(0), output: { at: new Date(0) } }],
  ])("writes what JSON.stringify writes: %s", (_, record) => {
    expect(line(record as DoneRecord)).toBe(`${JSON.stringify(record)}\n`);
  });

  it("calls a value's toJSON with its key, as JSON.stringify of the record does", () => {
    const keyed = { toJSON: (key: string) => `key=${key}` };
    const record = { ...base, input: keyed, output: keyed };
    expect(line(record)).toBe(`${JSON.stringify(record)}\n`);
    expect(line(record)).toContain('"input":"key=input"');
  });
});
