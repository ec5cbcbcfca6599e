import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { datasetContentHash } from "./example-content.ts";
import { readDatasetFile } from "./read-dataset-file.ts";
import { writeDatasetFile } from "./write-dataset-file.ts";

const dir = mkdtempSync(join(tmpdir(), "catena-datasets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe("readDatasetFile on JSONL", () => {
  it("reads the LangSmith shape with splits and metadata, named after the file", () => {
    const path = file(
      "dev.jsonl",
      [
        '{"inputs": {"text": "card lost"}, "outputs": {"label": "card"}, "split": "dev", "metadata": {"src": "a"}}',
        "",
        '{"inputs": {"text": "pin?"}, "reference_outputs": {"label": "pin"}, "metadata": {"dataset_split": ["test", "hard"]}}',
        '{"inputs": {"text": "hello"}}',
      ].join("\n"),
    );
    const ds = readDatasetFile(path);
    expect(ds.name).toBe("dev");
    expect(ds.examples.map(({ id: _, ...e }) => e)).toEqual([
      {
        inputs: { text: "card lost" },
        outputs: { label: "card" },
        splits: ["dev"],
        metadata: { src: "a" },
        source: `${path}:1`,
      },
      { inputs: { text: "pin?" }, outputs: { label: "pin" }, splits: ["test", "hard"], source: `${path}:3` },
      { inputs: { text: "hello" }, source: `${path}:4` },
    ]);
    expect(ds.contentHash).toMatch(/^[0-9a-f]{16}$/);
  });

  it("sorts flat records into inputs, outputs and metadata by the fields given or the chain's schema", () => {
    const path = file(
      "flat.jsonl",
      '{"text": "card lost", "label": "card", "note": "x", "split": "train"}\n',
    );
    const both = readDatasetFile(path, { inputFields: ["text"], outputFields: ["label"] }).examples[0];
    expect(both).toMatchObject({
      inputs: { text: "card lost" },
      outputs: { label: "card" },
      metadata: { note: "x" },
      splits: ["train"],
    });
    expect(readDatasetFile(path, { outputFields: ["label"] }).examples[0]).toMatchObject({
      inputs: { text: "card lost", note: "x" },
      outputs: { label: "card" },
    });
    expect(readDatasetFile(path, { inputFields: ["text"] }).examples[0]).toMatchObject({
      inputs: { text: "card lost" },
      outputs: { label: "card", note: "x" },
    });
    expect(readDatasetFile(path).examples[0]?.outputs).toBeUndefined();
    const chain = { input: z.object({ text: z.string() }), output: z.object({ label: z.string() }) };
    expect(readDatasetFile(path, { chain }).examples[0]).toMatchObject({
      inputs: { text: "card lost" },
      outputs: { label: "card" },
      metadata: { note: "x" },
    });
  });

  it("names the file and line of malformed JSON, a non-object line and a missing input field", () => {
    const bad = file("bad.jsonl", '{"inputs": {"a": 1}}\n{"inputs": {"a": 2}\n');
    expect(() => readDatasetFile(bad)).toThrow(`${bad} line 2 is not valid JSON`);
    const array = file("array.jsonl", "[1, 2]\n");
    expect(() => readDatasetFile(array)).toThrow(`${array} line 1 is not a JSON object`);
    const missing = file("missing.jsonl", '{"text": "a"}\n{"body": "b"}\n');
    expect(() => readDatasetFile(missing, { inputFields: ["text"] })).toThrow(
      `${missing} line 2 has no "text" field`,
    );
    expect(() => readDatasetFile(file("empty.jsonl", "\n\n"))).toThrow("is empty");
    const absent = join(dir, "absent.jsonl");
    expect(() => readDatasetFile(absent, { shownAs: "absent.jsonl" })).toThrow(
      `Cannot read absent.jsonl: no such file (looked for ${absent}); check the path`,
    );
    expect(() => readDatasetFile(dir, { shownAs: "data/" })).toThrow("Cannot read data/: it is a directory");
  });

  it("refuses an output field that no record has, instead of making every example's reference empty", () => {
    const path = file("typo.jsonl", '{"text": "a", "queue": "billing"}\n{"text": "b", "queue": "other"}\n');
    expect(() => readDatasetFile(path, { outputFields: ["queu"] })).toThrow(
      `${path}: no record has the output field "queu" (fields: text, queue)`,
    );
    const csv = file("typo.csv", "text,queue\na,billing\n");
    expect(() => readDatasetFile(csv, { outputFields: ["label"] })).toThrow(
      /no record has the output field "label"/,
    );
    // A field some records leave out is fine.
    const sparse = file("sparse.jsonl", '{"text": "a", "queue": "billing"}\n{"text": "b"}\n');
    expect(readDatasetFile(sparse, { outputFields: ["queue"] }).examples[1]?.outputs).toBeUndefined();
  });

  it("refuses bytes that are not UTF-8, naming the line and the byte", () => {
    const path = file(
      "latin1.jsonl",
      Buffer.concat([Buffer.from('{"text": "ok"}\n{"text": "caf'), Buffer.from([0xe9]), Buffer.from('"}\n')]),
    );
    expect(() => readDatasetFile(path)).toThrow(`${path} line 2 is not valid UTF-8 (byte 0xE9`);
  });
});

describe("readDatasetFile on CSV", () => {
  it("reads inputs./outputs./metadata. columns and ;-separated splits", () => {
    const path = file(
      "prefixed.csv",
      'inputs.text,outputs.label,metadata.source,split\n"card, lost",card,web,dev;hard\npin?,,,\n',
    );
    const ds = readDatasetFile(path);
    expect(ds.examples.map(({ id: _, source: __, ...e }) => e)).toEqual([
      {
        inputs: { text: "card, lost" },
        outputs: { label: "card" },
        splits: ["dev", "hard"],
        metadata: { source: "web" },
      },
      { inputs: { text: "pin?" }, outputs: {} },
    ]);
  });

  it("reads flat columns by header name like JSONL fields", () => {
    const path = file("flat.csv", "text,label\ncard lost,card\n");
    expect(readDatasetFile(path, { outputFields: ["label"] }).examples[0]).toMatchObject({
      inputs: { text: "card lost" },
      outputs: { label: "card" },
      source: `${path}:2`,
    });
  });

  it("reads a .tsv split on tabs, and says how to name a delimited file read as JSON lines", () => {
    const tabs = new URL("../../../../tests/fixtures/heldout/tabs.tsv", import.meta.url).pathname;
    const dataset = readDatasetFile(tabs, { outputFields: ["label"] });
    expect(dataset.examples).toHaveLength(36);
    expect(dataset.examples[0]).toMatchObject({ outputs: { label: "card_arrival" }, source: `${tabs}:2` });
    const txt = file("tabs.txt", "text\tlabel\ncard lost\tcard\n");
    expect(() => readDatasetFile(txt)).toThrow(
      /tabs\.txt line 1 is not valid JSON: .* \(a file not named \.csv or \.tsv is read as JSON lines: name a comma-separated file \.csv, a tab-separated one \.tsv\)/,
    );
    // A file named .jsonl gets no hint: it says what it is.
    expect(() => readDatasetFile(file("bad.jsonl", "text,label\n"))).toThrow(/is not valid JSON: [^(]*$/);
  });

  it("takes quotes in a .tsv as text, one row a line", () => {
    const path = file("quotes.tsv", 'text\tlabel\nmy 5" card\tcard\n"lost" card\tcard\n"open\tother\n');
    const dataset = readDatasetFile(path, { outputFields: ["label"] });
    expect(dataset.examples.map((e) => [e.inputs.text, e.outputs?.label])).toEqual([
      ['my 5" card', "card"],
      ['"lost" card', "card"],
      ['"open', "other"],
    ]);
  });

  it("names the file and line of an unclosed quote", () => {
    const path = file("unclosed.csv", 'text,label\nfine,a\n"never closed,b\n');
    expect(() => readDatasetFile(path)).toThrow(
      new RegExp(`${path.replaceAll(".", "\\.")} line \\d+ is not valid CSV: .*[Qq]uote`),
    );
  });
});

describe("example ids and the content hash", () => {
  it("gives stable content-hash ids, keeps given ids, and tells identical examples apart", () => {
    const a = file(
      "ids-a.jsonl",
      '{"inputs": {"t": 1}}\n{"inputs": {"t": 1}}\n{"id": "mine", "inputs": {"t": 2}}\n',
    );
    const first = readDatasetFile(a).examples.map((e) => e.id);
    expect(readDatasetFile(a).examples.map((e) => e.id)).toEqual(first);
    expect(first[0]).toMatch(/^[0-9a-f]{16}$/);
    expect(first[1]).not.toBe(first[0]);
    expect(first[2]).toBe("mine");
    // Editing metadata or splits keeps the id: the sync then updates the example in place.
    const b = file("ids-b.jsonl", '{"inputs": {"t": 1}, "split": "dev", "metadata": {"k": 1}}\n');
    expect(readDatasetFile(b).examples[0]?.id).toBe(first[0]);
    const dup = file("dup.jsonl", '{"id": "x", "inputs": {"t": 1}}\n{"id": "x", "inputs": {"t": 2}}\n');
    expect(() => readDatasetFile(dup)).toThrow(`${dup} lines 1 and 2 have the same id "x"`);
  });

  it("hashes content independent of order and ids, and treats no split as LangSmith's base split", () => {
    const one = file("order-1.jsonl", '{"inputs": {"t": 1}, "split": "dev"}\n{"inputs": {"t": 2}}\n');
    const two = file(
      "order-2.jsonl",
      '{"inputs": {"t": 2}, "split": "base"}\n{"id": "z", "inputs": {"t": 1}, "split": ["dev"]}\n',
    );
    expect(readDatasetFile(one).contentHash).toBe(readDatasetFile(two).contentHash);
    const three = file("order-3.jsonl", '{"inputs": {"t": 2}}\n{"inputs": {"t": 1}, "split": "test"}\n');
    expect(readDatasetFile(three).contentHash).not.toBe(readDatasetFile(one).contentHash);
    expect(datasetContentHash([])).toMatch(/^[0-9a-f]{16}$/);
  });

  it("reads back what writeDatasetFile wrote: same ids, examples and hash", () => {
    const ds = readDatasetFile(
      file("src.csv", "inputs.text,outputs.label,metadata.k,split\na,x,1,dev\nb,y,,\n"),
    );
    const out = join(dir, "out.jsonl");
    writeDatasetFile(out, ds);
    const back = readDatasetFile(out);
    expect(back.examples.map(({ source: _, ...e }) => e)).toEqual(
      ds.examples.map(({ source: _, ...e }) => e),
    );
    expect(back.contentHash).toBe(ds.contentHash);
  });
});
