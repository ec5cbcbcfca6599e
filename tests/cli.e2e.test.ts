/*
 * End-to-end tests of the `catena` command: each test spawns the BUILT binary
 * (`node packages/cli/bin/catena.js ...`) in a temporary directory and checks what a user sees:
 * stdout, the one-line errors on stderr, exit codes, and the files it writes.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, repoRoot } from "./support/ensure-built.ts";
import { catena } from "./support/run-catena.ts";

const sampleJsonl = join(repoRoot, "packages/chains/data/support-triage/sample.jsonl");
const userChains = join(repoRoot, "tests/fixtures/cli/user-chains.ts");
const notChains = join(repoRoot, "tests/fixtures/cli/not-chains.ts");
const FINGERPRINT = /^[0-9a-f]{64}$/;

let dir: string;
/** Runs catena in the test's temporary directory. */
const run = (...args: string[]) => catena(args, { cwd: dir });

interface ResultLine {
  index: number;
  status: string;
  output?: { queue?: string; tier?: string };
  error?: { code: string; message: string; details?: { line?: number } };
}

async function resultLines(path: string): Promise<ResultLine[]> {
  const text = await readFile(path, "utf8");
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as ResultLine)
    .filter((l) => typeof l.index === "number"); // not the header line
}

async function sampleLines(): Promise<string[]> {
  return (await readFile(sampleJsonl, "utf8")).split("\n").filter((l) => l.trim() !== "");
}

beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), "catena-cli-"));
}, 180_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("catena list", () => {
  it("lists the built-in chains with version and a short fingerprint", async () => {
    const r = await run("list");
    expect(r.code).toBe(0);
    const line = r.stdout.split("\n").find((l) => l.startsWith("support-triage "));
    expect(line).toMatch(/^support-triage\s+\d+\.\d+\.\d+\s+[0-9a-f]{12}\s+built-in/);
    expect(r.stdout).not.toMatch(/[0-9a-f]{13}/);
  });

  it("prints full fingerprints with --json", async () => {
    const r = await run("list", "--json");
    expect(r.code).toBe(0);
    const chains = JSON.parse(r.stdout) as Array<{
      name: string;
      version: string;
      id: string;
      fingerprint: string;
    }>;
    const triage = chains.find((c) => c.name === "support-triage");
    expect(triage?.id).toBe(`support-triage@${triage?.version}`);
    expect(triage?.fingerprint).toMatch(FINGERPRINT);
  });
});

describe("catena describe", () => {
  it("shows steps, input and output schemas and the graph", async () => {
    const r = await run("describe", "support-triage");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^support-triage@\d+\.\d+\.\d+\n/);
    expect(r.stdout).toMatch(/Steps\n\s+normalize\s+code/);
    expect(r.stdout).toContain("Input schema");
    expect(r.stdout).toContain('"text"');
    expect(r.stdout).toContain("Output schema");
    expect(r.stdout).toContain('"queue"');
    expect(r.stdout).toContain("stateDiagram-v2");
  });

  it("gives the same as JSON, with JSON schemas", async () => {
    const r = await run("describe", "support-triage", "--json");
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout) as {
      fingerprint: string;
      steps: Array<{ name: string; kind: string }>;
      input: { properties: Record<string, unknown>; required: string[] };
      mermaid: string;
    };
    expect(d.fingerprint).toMatch(FINGERPRINT);
    expect(d.steps).toContainEqual({ name: "normalize", kind: "code" });
    expect(d.input.required).toContain("text");
    expect(d.mermaid).toMatch(/^stateDiagram-v2/);
  });
});

describe("catena run", () => {
  it("runs --text and prints the output as JSON", async () => {
    const r = await run(
      "run",
      "support-triage",
      "--text",
      "I was charged twice for order #A1234567, please refund one.",
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const output = JSON.parse(r.stdout) as { queue: string; entities: { orderIds: string[] } };
    expect(output.queue).toBe("billing");
    expect(output.entities.orderIds).toContain("A1234567");
  });

  it("runs --input and, with --json, prints the whole run result", async () => {
    const r = await run(
      "run",
      "support-triage",
      "--input",
      '{"text": "Where is my parcel? It was due last week."}',
      "--json",
    );
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as {
      status: string;
      runId: string;
      chain: { name: string; fingerprint: string };
      output: { queue: string };
      steps: Array<{ name: string }>;
      usage: unknown;
    };
    expect(result.status).toBe("done");
    expect(result.runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.chain.name).toBe("support-triage");
    expect(result.output.queue).toBe("shipping");
    expect(result.steps.map((s) => s.name)).toContain("normalize");
    expect(result.usage).toBeDefined();
  });

  it("rejects input that fails the schema with exit 2 and names the field", async () => {
    const r = await run("run", "support-triage", "--input", '{"message": "hi"}');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^catena: .*\btext\b/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("reports the schema failure in the --json result too", async () => {
    const r = await run("run", "support-triage", "--text", "", "--json");
    expect(r.code).toBe(2);
    const result = JSON.parse(r.stdout) as { status: string; error: { code: string; message: string } };
    expect(result.status).toBe("error");
    expect(result.error.code).toBe("INPUT_VALIDATION");
    expect(result.error.message).toContain("text");
  });

  it("rejects invalid JSON in --input with exit 2", async () => {
    const r = await run("run", "support-triage", "--input", "{text: hi}");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^catena: --input is not valid JSON/);
  });

  it("fails on an unknown chain with exit 2 and lists the known ones", async () => {
    const r = await run("run", "no-such-chain", "--text", "hi");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^catena: Unknown chain "no-such-chain"\. Known chains: .*support-triage@/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("prints the stack only with --verbose", async () => {
    const quiet = await run("describe", "no-such-chain");
    expect(quiet.stderr).not.toContain("    at ");
    const verbose = await run("describe", "no-such-chain", "--verbose");
    expect(verbose.code).toBe(2);
    expect(verbose.stderr).toMatch(/^catena: Unknown chain/);
    expect(verbose.stderr).toContain("    at ");
  });
});

describe("usage errors and help", () => {
  it("exits 2 on an unknown option, with one catena: line", async () => {
    const r = await run("list", "--bogus");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^catena: unknown option '--bogus'/);
  });

  it("documents the exit codes in --help", async () => {
    const r = await run("--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Exit codes:");
    expect(r.stdout).toMatch(/3\s+the run ended deferred/);
  });
});

describe("catena batch", () => {
  it("runs every line of the sample JSONL and writes one result per line", async () => {
    const lines = await sampleLines();
    const r = await run("batch", "support-triage", "--file", sampleJsonl, "--out", "sample-results.jsonl");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`done ${lines.length}, deferred 0, failed 0, skipped 0`);
    expect(r.stdout).toMatch(/items\/s/);
    expect(r.stdout).toMatch(/queue: .*billing \d+/);
    expect(r.stdout).toContain("results: sample-results.jsonl");

    const results = await resultLines(join(dir, "sample-results.jsonl"));
    expect(results.map((x) => x.index).sort((a, b) => a - b)).toEqual(lines.map((_, i) => i));
    for (const result of results) {
      const input = JSON.parse(lines[result.index] as string) as { text: string };
      expect(result.status, input.text).toBe("done");
      expect(["billing", "shipping", "account", "technical", "other"]).toContain(result.output?.queue);
    }
  });

  it("records a malformed line as failed with its line number and runs the others", async () => {
    const good = (await sampleLines()).slice(0, 4);
    const file = [good[0], good[1], '{"text": "unterminated', "", good[2], good[3]].join("\n");
    await writeFile(join(dir, "broken.jsonl"), `${file}\n`);
    const r = await run("batch", "support-triage", "--file", "broken.jsonl", "--out", "broken-results.jsonl");
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("done 4, deferred 0, failed 1");
    expect(r.stdout).toMatch(/line 3 \(item 2\): /);

    const results = await resultLines(join(dir, "broken-results.jsonl"));
    expect(results).toHaveLength(5);
    const failed = results.filter((x) => x.status === "error");
    expect(failed).toHaveLength(1);
    expect(failed[0]?.error?.message).toMatch(/^line 3: /);
    expect(failed[0]?.error?.details?.line).toBe(3);
    expect(results.filter((x) => x.status === "done")).toHaveLength(4);
  });

  it("records an input failing the schema as a failed item, not a fatal error", async () => {
    await writeFile(
      join(dir, "schema.jsonl"),
      '{"text": "my invoice is wrong"}\n{"body": "no text field"}\n',
    );
    const r = await run("batch", "support-triage", "--file", "schema.jsonl", "--out", "schema-results.jsonl");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/line 2 \(item 1\): Input does not match .*text/);
    // Rerunning it unchanged would fail the same way: the hint says to fix the line first.
    expect(r.stdout).toContain("fix those lines of the input");
    expect(r.stdout).not.toContain("run them again with --resume --retry-failed");
    const results = await resultLines(join(dir, "schema-results.jsonl"));
    expect(results.find((x) => x.index === 1)?.error?.code).toBe("INPUT_VALIDATION");
    expect(results.find((x) => x.index === 0)?.status).toBe("done");
  });

  it("fails with exit 2 and one line when the input file is missing", async () => {
    const r = await run(
      "batch",
      "support-triage",
      "--file",
      "nowhere.jsonl",
      "--out",
      "nowhere-results.jsonl",
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("catena: input file not found: nowhere.jsonl (give - to read standard input).\n");
  });

  it("resumes an interrupted results file, running only the unfinished items", async () => {
    const lines = await sampleLines();
    const out = join(dir, "resume-results.jsonl");
    expect((await run("batch", "support-triage", "--file", sampleJsonl, "--out", out)).code).toBe(0);
    // As if the batch had crashed: the last 3 results never reached the file.
    const finished = (await readFile(out, "utf8")).split("\n").filter((l) => l !== "");
    await writeFile(out, `${finished.slice(0, -3).join("\n")}\n`);

    const again = await run("batch", "support-triage", "--file", sampleJsonl, "--out", out);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^catena: results file .* already exists; add --resume/);

    const r = await run("batch", "support-triage", "--file", sampleJsonl, "--out", out, "--resume");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`done 3, deferred 0, failed 0, skipped ${lines.length - 3}`);
    const results = await resultLines(out);
    expect(results).toHaveLength(lines.length);
    expect(new Set(results.map((x) => x.index)).size).toBe(lines.length);
  });

  it("reads CSV with a header row; a bad row fails alone", async () => {
    const csv = [
      "text,customer",
      '"I was charged twice, please refund",c1',
      "this row,has,too many fields",
      "",
      '"The app crashes when I open the ""cart"" page",c3',
    ].join("\n");
    await writeFile(join(dir, "tickets.csv"), `${csv}\n`);
    const r = await run(
      "batch",
      "support-triage",
      "--file",
      "tickets.csv",
      "--out",
      "csv-results.jsonl",
      "--json",
    );
    expect(r.code).toBe(1);
    const summary = JSON.parse(r.stdout) as { done: number; failed: number; out: string };
    expect(summary).toMatchObject({ done: 2, failed: 1 });
    const results = await resultLines(join(dir, "csv-results.jsonl"));
    expect(results.find((x) => x.index === 0)?.output?.queue).toBe("billing");
    expect(results.find((x) => x.index === 1)?.error?.message).toMatch(/^line 3: /);
    expect(results.find((x) => x.index === 2)?.output?.queue).toBe("technical");
  });

  it("rejects a bad --rate with exit 2", async () => {
    const r = await run(
      "batch",
      "support-triage",
      "--file",
      sampleJsonl,
      "--out",
      "rate.jsonl",
      "--rate",
      "fast",
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^catena: --rate must look like 10\/s/);
  });
});

describe("catena lock", () => {
  it("writes the lock file, then --check passes", async () => {
    const lock = await run("lock");
    expect(lock.code).toBe(0);
    const written = JSON.parse(await readFile(join(dir, "catena.lock.json"), "utf8")) as {
      chains: Record<string, string>;
    };
    const id = Object.keys(written.chains).find((k) => k.startsWith("support-triage@"));
    expect(written.chains[id as string]).toMatch(FINGERPRINT);

    const check = await run("lock", "--check");
    expect(check.code).toBe(0);
    expect(check.stdout).toContain("catena.lock.json: ok");
  });

  it("--check fails when a fingerprint changed but the version did not", async () => {
    const path = join(dir, "edited.lock.json");
    const fresh = await run("lock", "--lockfile", path);
    expect(fresh.code).toBe(0);
    const lock = JSON.parse(await readFile(path, "utf8")) as { chains: Record<string, string> };
    const id = Object.keys(lock.chains).find((k) => k.startsWith("support-triage@")) as string;
    const actual = lock.chains[id] as string;
    lock.chains[id] = "0123456789ab".padEnd(64, "0");
    await writeFile(path, JSON.stringify(lock, null, 2));

    const check = await run("lock", "--check", "--lockfile", path);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain(`${id}: fingerprint changed from 0123456789ab to ${actual.slice(0, 12)}`);
    expect(check.stderr).toContain("bump the version");

    const overwrite = await run("lock", "--lockfile", path);
    expect(overwrite.code).toBe(1);
    expect(JSON.parse(await readFile(path, "utf8")).chains[id]).toBe(lock.chains[id]);

    const forced = await run("lock", "--lockfile", path, "--force");
    expect(forced.code).toBe(0);
    expect(JSON.parse(await readFile(path, "utf8")).chains[id]).toBe(actual);
  });

  it("reports new chains, and fails on them with --strict", async () => {
    const path = join(dir, "strict.lock.json");
    expect((await run("lock", "--lockfile", path)).code).toBe(0);
    const loose = await run("lock", "--check", "--lockfile", path, "--chains", userChains);
    expect(loose.code).toBe(0);
    expect(loose.stdout).toContain("not locked yet: greet@1.0.0");
    const strict = await run("lock", "--check", "--strict", "--lockfile", path, "--chains", userChains);
    expect(strict.code).toBe(1);
  });
});

describe("user chains", () => {
  it("loads the chains a .ts module exports (single and in arrays) with --chains", async () => {
    const r = await run("list", "--chains", userChains);
    expect(r.code).toBe(0);
    for (const name of ["greet", "mood", "approval", "support-triage"])
      expect(r.stdout).toMatch(new RegExp(`^${name}\\s`, "m"));
    const greet = await run("run", "greet", "--input", '{"name": "Ada"}', "--chains", userChains);
    expect(greet.code).toBe(0);
    expect(JSON.parse(greet.stdout)).toEqual({ greeting: "hello Ada" });
  });

  it("loads the modules listed in catena.config.json", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "catena-config-"));
    try {
      await writeFile(join(cwd, "catena.config.json"), JSON.stringify({ chains: [userChains] }));
      const r = await catena(["describe", "greet@1.0.0"], { cwd });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("Greets someone by name.");
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });

  it("exits 3 when the run is deferred and 4 when it waits at a review", async () => {
    const deferred = await run("run", "mood", "--text", "nothing to see here", "--chains", userChains);
    expect(deferred.code).toBe(3);
    expect(deferred.stderr).toMatch(/^catena: mood@0\.2\.0 deferred the input/);
    const waiting = await run("run", "approval", "--text", "ship it", "--chains", userChains, "--json");
    expect(waiting.code).toBe(4);
    const result = JSON.parse(waiting.stdout) as { status: string; snapshot: { review: { name: string } } };
    expect(result.status).toBe("waiting");
    expect(result.snapshot.review.name).toBe("approve");
  });

  it("says so when a module exports no chain, or does not exist", async () => {
    const none = await run("list", "--chains", notChains);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^catena: chains module .*not-chains\.ts exports no chain/);
    const missing = await run("list", "--chains", "./missing-chains.ts");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("catena: chains module not found: missing-chains.ts\n");
  });

  it("names the config file that lists a chains module that does not exist", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "catena-config-"));
    try {
      await writeFile(join(cwd, "catena.config.json"), JSON.stringify({ chains: ["./nope.ts"] }));
      const r = await catena(["list"], { cwd });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        'catena: chains module not found: nope.ts, listed in "chains" of catena.config.json; fix the path there or remove it.\n',
      );
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });
});
