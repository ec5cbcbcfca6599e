/*
 * End-to-end tests of `catena batch` that guard against lost or mixed data: results files that
 * record what they belong to and refuse a wrong resume, CSV quotes that never close, and input bytes
 * that are not valid in the file's encoding. Each test spawns the built binary.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt } from "./support/ensure-built.ts";
import { catena } from "./support/run-catena.ts";

let dir: string;
const run = (...args: string[]) => catena([...args, "--no-trace"], { cwd: dir });

interface FileLine {
  catena?: string;
  index?: number;
  chain?: string;
  version?: string;
  fingerprint?: string;
  input?: unknown;
  status?: string;
  output?: { queue?: string };
  error?: { code: string; message: string; details?: { line?: number } };
}

async function fileLines(path: string): Promise<FileLine[]> {
  return (await readFile(join(dir, path), "utf8"))
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as FileLine);
}

const results = async (path: string) => (await fileLines(path)).filter((l) => typeof l.index === "number");

beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), "catena-batch-cli-"));
}, 180_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("catena batch: results files know what they belong to", () => {
  const tickets = [
    '{"text": "I was charged twice"}',
    '{"text": "Where is my parcel?"}',
    '{"text": "The app crashes"}',
  ];

  beforeAll(async () => {
    await writeFile(join(dir, "tickets.jsonl"), `${tickets.join("\n")}\n`);
    await writeFile(
      join(dir, "other.jsonl"),
      `${tickets.slice(0, 2).join("\n")}\n{"text": "Reset my password"}\n`,
    );
    const r = await run("batch", "support-triage", "--file", "tickets.jsonl", "--out", "out.jsonl");
    expect(r.code, r.stderr).toBe(0);
  }, 60_000);

  it("writes a header (chain, version, fingerprint, input digest) and chain and version on every line", async () => {
    const list = JSON.parse((await run("--json", "list")).stdout) as Array<{
      name: string;
      version: string;
      fingerprint: string;
    }>;
    const triage = list.find((c) => c.name === "support-triage");
    const [header, ...rest] = await fileLines("out.jsonl");
    expect(header).toMatchObject({
      catena: "batch-results",
      chain: "support-triage",
      version: triage?.version,
      fingerprint: triage?.fingerprint,
      input: { digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), source: join(dir, "tickets.jsonl") },
    });
    expect(rest).toHaveLength(3);
    for (const line of rest)
      expect(line).toMatchObject({ chain: "support-triage", version: triage?.version });
  });

  it("refuses to resume with another chain or another input file, with exit 2 and nothing run", async () => {
    const before = await readFile(join(dir, "out.jsonl"), "utf8");
    const chain = await run(
      "batch",
      "banking-intents",
      "--file",
      "tickets.jsonl",
      "--out",
      "out.jsonl",
      "--resume",
    );
    expect(chain.code).toBe(2);
    expect(chain.stderr).toMatch(
      /^catena: Results file .*out\.jsonl belongs to another batch \(chain support-triage in the file, banking-intents now[;)].*--force-resume/,
    );
    expect(chain.stderr.trim().split("\n")).toHaveLength(1);

    const input = await run(
      "batch",
      "support-triage",
      "--file",
      "other.jsonl",
      "--out",
      "out.jsonl",
      "--resume",
    );
    expect(input.code).toBe(2);
    expect(input.stderr).toMatch(
      /input .*tickets\.jsonl \(sha256:[0-9a-f]{12}\) in the file, .*other\.jsonl \(sha256:[0-9a-f]{12}\) now/,
    );
    expect(await readFile(join(dir, "out.jsonl"), "utf8")).toBe(before);

    const json = await run(
      "--json",
      "batch",
      "support-triage",
      "--file",
      "other.jsonl",
      "--out",
      "out.jsonl",
      "--resume",
    );
    expect(JSON.parse(json.stdout)).toMatchObject({
      status: "error",
      error: { code: "BATCH_RESUME_MISMATCH", details: { mismatches: [{ field: "input" }] } },
    });
  });

  it("resumes the same batch, and a mismatch with --force-resume, saying what differed", async () => {
    const same = await run(
      "batch",
      "support-triage",
      "--file",
      "tickets.jsonl",
      "--out",
      "out.jsonl",
      "--resume",
    );
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toContain("skipped 3");

    await writeFile(join(dir, "more.jsonl"), `${tickets.join("\n")}\n{"text": "Reset my password"}\n`);
    const forced = await run(
      "batch",
      "support-triage",
      "--file",
      "more.jsonl",
      "--out",
      "out.jsonl",
      "--force-resume",
    );
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain("done 1, deferred 0, failed 0, skipped 3");
    expect(forced.stdout).toMatch(
      /resumed with --force-resume although input .*tickets\.jsonl .* in the file, .*more\.jsonl .* now/,
    );
    expect((await results("out.jsonl")).map((r) => r.index).sort()).toEqual([0, 1, 2, 3]);
  });

  it("refuses a results file without a header (an older catena's) unless forced", async () => {
    const legacy = [0, 1].map((index) =>
      JSON.stringify({ index, status: "done", output: { queue: "billing" } }),
    );
    await writeFile(join(dir, "legacy.jsonl"), `${legacy.join("\n")}\n`);
    const refused = await run(
      "batch",
      "support-triage",
      "--file",
      "tickets.jsonl",
      "--out",
      "legacy.jsonl",
      "--resume",
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/has no header line .*older catena.*--force-resume/);
    const forced = await run(
      "batch",
      "support-triage",
      "--file",
      "tickets.jsonl",
      "--out",
      "legacy.jsonl",
      "--force-resume",
    );
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain("skipped 2");
    expect(forced.stdout).toContain("the results file has no header");
  });
});

describe("catena batch: no record is dropped silently", () => {
  it("reports a CSV quote that never closes at its line, exits 1, and runs every other record", async () => {
    const good = Array.from(
      { length: 100 },
      (_, i) => `"Refund for invoice INV-${1000 + i}, charged twice",c${i}`,
    );
    const csv = [
      "text,customer",
      '"Where is my parcel?",first',
      '"My card was charged twice,broken',
      ...good,
    ].join("\n");
    await writeFile(join(dir, "quote.csv"), `${csv}\n`);
    const r = await run("batch", "support-triage", "--file", "quote.csv", "--out", "quote-results.jsonl");
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("done 101, deferred 0, failed 1");
    expect(r.stdout).toMatch(/line 3 \(item 1\): a quote opened on this line is never closed/);
    const lines = await results("quote-results.jsonl");
    expect(lines).toHaveLength(102);
    expect(lines.find((l) => l.index === 1)?.error?.details?.line).toBe(3);

    // The hint fits an input error: the file must be edited, and a plain --resume refuses an edited input.
    expect(r.stdout).toContain(
      "fix those lines of the input, then rerun them with --resume --retry-failed --force-resume",
    );
    await writeFile(join(dir, "quote.csv"), `${csv.replace("twice,broken", 'twice",broken')}\n`);
    const again = await run(
      "batch",
      "support-triage",
      "--file",
      "quote.csv",
      "--out",
      "quote-results.jsonl",
      "--resume",
      "--retry-failed",
      "--force-resume",
    );
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("done 1, deferred 0, failed 0, skipped 101");
  }, 60_000);

  it("reads a .tsv file as train does: tab-separated, one record a line, quotes kept as text", async () => {
    const tsv = [
      "text\tcustomer",
      'My 5" tablet crashes every time I open the app\tfirst',
      '"Where is my parcel?\tsecond',
      "I was charged twice for one order\tthird",
      "too\tmany\tfields",
    ].join("\n");
    await writeFile(join(dir, "tickets.tsv"), `${tsv}\n`);
    const r = await run("batch", "support-triage", "--file", "tickets.tsv", "--out", "tsv-results.jsonl");
    // The record with a field too many fails at its line; the quotes swallow nothing.
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("done 3, deferred 0, failed 1");
    const lines = await results("tsv-results.jsonl");
    const byIndex = (i: number) => lines.find((l) => l.index === i);
    expect(byIndex(0)?.input).toEqual({
      text: 'My 5" tablet crashes every time I open the app',
      customer: "first",
    });
    expect(byIndex(0)?.output?.queue).toBe("technical");
    expect(byIndex(1)?.input).toEqual({ text: '"Where is my parcel?', customer: "second" });
    expect(byIndex(2)?.output?.queue).toBe("billing");
    expect(byIndex(3)?.error?.details?.line).toBe(5);

    // From standard input, with --format tsv.
    const piped = await catena(
      ["batch", "support-triage", "--file", "-", "--format", "tsv", "--out", "stdin-tsv.jsonl", "--no-trace"],
      { cwd: dir, stdin: 'text\nMy 5" tablet crashes every time\n' },
    );
    expect(piped.code, piped.stderr).toBe(0);
    expect((await results("stdin-tsv.jsonl"))[0]?.input).toEqual({ text: 'My 5" tablet crashes every time' });
  }, 60_000);

  it("matches a CSV header to the chain's input fields in any case, as train does; an exact name wins; a tie is refused", async () => {
    await writeFile(join(dir, "cased.csv"), "Text,Customer\nI was charged twice for one order,first\n");
    const r = await run("batch", "support-triage", "--file", "cased.csv", "--out", "cased-results.jsonl");
    expect(r.code, r.stderr).toBe(0);
    const [line] = await results("cased-results.jsonl");
    expect(line?.input).toEqual({ text: "I was charged twice for one order", Customer: "first" });
    expect(line?.output?.queue).toBe("billing");

    await writeFile(join(dir, "exact.tsv"), "TEXT\ttext\nnot this one\tI was charged twice for one order\n");
    const exact = await run("batch", "support-triage", "--file", "exact.tsv", "--out", "exact-results.jsonl");
    expect(exact.code, exact.stderr).toBe(0);
    expect((await results("exact-results.jsonl"))[0]?.input).toEqual({
      TEXT: "not this one",
      text: "I was charged twice for one order",
    });

    await writeFile(join(dir, "tie.csv"), "Text,TEXT\na,b\n");
    const tie = await run("batch", "support-triage", "--file", "tie.csv", "--out", "tie-results.jsonl");
    expect(tie.code).toBe(2);
    expect(tie.stderr).toContain(
      'line 1: the header has "Text" and "TEXT", which differ only in case; the chain\'s input field "text" could be either: rename the column meant to "text" and run again.',
    );
  }, 60_000);

  it("refuses a line that is not valid UTF-8 with its line number; --encoding latin1 reads it", async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"text": "I was charged twice"}\n'),
      Buffer.from('{"text": "Caf\xe9 order never arrived"}\n', "latin1"),
      Buffer.from('{"text": "Where is my parcel?"}\n'),
    ]);
    await writeFile(join(dir, "latin1.jsonl"), bytes);
    const r = await run("batch", "support-triage", "--file", "latin1.jsonl", "--out", "latin1-results.jsonl");
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("done 2, deferred 0, failed 1");
    expect(r.stdout).toMatch(
      /line 2 \(item 1\): not valid UTF-8 \(byte 0xE9 at byte 14 of the line\); .*--encoding latin1/,
    );
    expect((await results("latin1-results.jsonl")).some((l) => JSON.stringify(l).includes("\uFFFD"))).toBe(
      false,
    );

    const ok = await run(
      "batch",
      "support-triage",
      "--file",
      "latin1.jsonl",
      "--out",
      "latin1-ok.jsonl",
      "--encoding",
      "latin1",
    );
    expect(ok.code, ok.stderr).toBe(0);
    const item = (await results("latin1-ok.jsonl")).find((l) => l.index === 1) as {
      input?: { text: string };
    };
    expect(item.input?.text).toBe("Café order never arrived");

    const bad = await run(
      "batch",
      "support-triage",
      "--file",
      "latin1.jsonl",
      "--out",
      "x.jsonl",
      "--encoding",
      "klingon",
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^catena: --encoding klingon is not an encoding/);
  }, 60_000);
});

describe("catena batch --file - (standard input)", () => {
  const piped = (args: string[], stdin: string) => catena([...args, "--no-trace"], { cwd: dir, stdin });

  it("runs JSONL from standard input, resumes it, and reads CSV with --format csv", async () => {
    const jsonl = '{"text": "I was charged twice"}\n{"text": "Where is order ORD-102938?"}\n';
    const r = await piped(["batch", "support-triage", "--file", "-", "--out", "stdin.jsonl"], jsonl);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^support-triage@\S+ on standard input: 2 items/);
    const lines = await results("stdin.jsonl");
    expect(lines.map((l) => [l.index, l.output?.queue]).sort()).toEqual([
      [0, "billing"],
      [1, "shipping"],
    ]);
    // The same bytes again: every item is already there.
    const again = await piped(
      ["batch", "support-triage", "--file", "-", "--out", "stdin.jsonl", "--resume"],
      jsonl,
    );
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/skipped 2/);
    expect(await results("stdin.jsonl")).toHaveLength(2);

    const csv = await piped(
      ["batch", "support-triage", "--file", "-", "--format", "csv", "--out", "stdin-csv.jsonl"],
      "text\nMy app crashes every time\n",
    );
    expect(csv.code, csv.stderr).toBe(0);
    expect((await results("stdin-csv.jsonl"))[0]?.output?.queue).toBe("technical");
  });

  it("names a missing input file and how to read standard input; --format reads any extension", async () => {
    const missing = await run("batch", "support-triage", "--file", "nope.txt", "--out", "x.jsonl");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("catena: input file not found: nope.txt (give - to read standard input).\n");
    await writeFile(join(dir, "tickets.txt"), '{"text": "I was charged twice"}\n');
    const unknown = await run("batch", "support-triage", "--file", "tickets.txt", "--out", "x.jsonl");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /cannot tell the format of tickets\.txt: .* or give --format jsonl\|csv\|tsv\./,
    );
    const named = await run(
      "batch",
      "support-triage",
      "--file",
      "tickets.txt",
      "--format",
      "jsonl",
      "--out",
      "x.jsonl",
    );
    expect(named.code, named.stderr).toBe(0);
    const bad = await run(
      "batch",
      "support-triage",
      "--file",
      "tickets.txt",
      "--format",
      "xml",
      "--out",
      "y.jsonl",
    );
    expect(bad.stderr).toBe('catena: --format must be jsonl, csv or tsv, got "xml".\n');
  });
});
