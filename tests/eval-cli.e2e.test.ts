/*
 * End-to-end tests of `catena eval` on chains whose label is not called `label`, with gates and
 * failures that must not pass quietly. Each test spawns the built binary.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closedPort } from "./support/closed-port.ts";
import { ensureBuilt, repoRoot } from "./support/ensure-built.ts";
import { catena } from "./support/run-catena.ts";

const holdout = join(repoRoot, "packages/chains/data/support-triage/holdout.jsonl");
const sampleCsv = join(repoRoot, "packages/chains/data/support-triage/sample.csv");

let dir: string;
const run = (...args: string[]) => catena([...args, "--no-trace"], { cwd: dir });

beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), "catena-eval-cli-"));
}, 180_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("catena eval", () => {
  it("compares support-triage's declared label field (queue) with the data's queue", async () => {
    const r = await run("--json", "eval", "support-triage", "--data", holdout);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as {
      status: string;
      labelField: string;
      accuracy: number;
      items: number;
    };
    expect(report).toMatchObject({ status: "evaluated", labelField: "queue" });
    expect(report.accuracy).toBeGreaterThan(0.6);

    const csv = await run("eval", "support-triage", "--data", sampleCsv);
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout).toMatch(/output field `queue`/);
    expect(csv.stdout).toMatch(/accuracy: (?!0\.0%)[\d.]+% of all items/);
  }, 60_000);

  it("takes the field from --label-field, and names the output's fields when it is not one", async () => {
    const ok = await run("--json", "eval", "support-triage", "--data", holdout, "--label-field", "queue");
    expect(ok.code).toBe(0);
    const bad = await run("eval", "support-triage", "--data", holdout, "--label-field", "intent");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /^catena: --label-field intent is not a field of support-triage@.*'s output \(fields: .*queue/,
    );
  }, 60_000);

  it("gates on --min-accuracy: exit 1 below it, 0 at or above it", async () => {
    const below = await run("eval", "support-triage", "--data", holdout, "--min-accuracy", "100%");
    const json = JSON.parse((await run("--json", "eval", "support-triage", "--data", holdout)).stdout) as {
      accuracy: number;
    };
    if (json.accuracy < 1) {
      expect(below.code).toBe(1);
      expect(below.stderr).toMatch(/^catena: accuracy [\d.]+% is below --min-accuracy 100\.0%/);
    }
    const above = await run("--json", "eval", "support-triage", "--data", holdout, "--min-accuracy", "0.5");
    expect(above.code).toBe(0);
    expect(JSON.parse(above.stdout)).toMatchObject({ gate: { minAccuracy: 0.5, passed: true } });
    const wrong = await run("eval", "support-triage", "--data", holdout, "--min-accuracy", "1.5");
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/--min-accuracy must be a share from 0 to 1/);
  }, 60_000);

  it("exits 1 with the reason when every item failed", async () => {
    const long = "x".repeat(6000); // over support-triage's input limit of 5000 characters
    const lines = ["billing", "shipping"].map((queue) => JSON.stringify({ text: long, queue }));
    await writeFile(join(dir, "too-long.jsonl"), `${lines.join("\n")}\n`);
    const r = await run("eval", "support-triage", "--data", "too-long.jsonl");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^catena: every one of the 2 items failed \(2 INPUT_VALIDATION\); the first: Input does not match/,
    );
    expect(r.stdout).toMatch(/failed: 2 INPUT_VALIDATION/);
  }, 60_000);

  it("counts one item in the singular: '1 item', 'the one item failed', never '1 items'", async () => {
    // A query about nothing banking-intents knows: no cheap tier is sure of it, and no provider is set.
    await writeFile(
      join(dir, "one.jsonl"),
      `${JSON.stringify({ text: "what will the weather be like on the moon tomorrow", label: "card_arrival" })}\n`,
    );
    const one = await catena(["eval", "banking-intents", "--data", "one.jsonl", "--no-trace"], {
      cwd: dir,
      env: { OPENAI_API_KEY: undefined, OPENAI_BASE_URL: undefined },
    });
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toMatch(/^evaluated banking-intents@[\d.]+ on 1 item of one\.jsonl/);
    expect(one.stdout).toMatch(/^deferred: 1 item no cheap tier was sure enough of, for the LLM tier/m);
    expect(one.stdout).not.toMatch(/\b1 items\b/);

    await writeFile(
      join(dir, "one-too-long.jsonl"),
      `${JSON.stringify({ text: "x".repeat(6000), queue: "billing" })}\n`,
    );
    const failed = await run("eval", "support-triage", "--data", "one-too-long.jsonl");
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^catena: the one item failed \(1 INPUT_VALIDATION\)/);
  }, 60_000);

  it("points at traces only when they were sent: a studio that is not there gets a warning, no link", async () => {
    const port = await closedPort();
    const r = await catena(["eval", "support-triage", "--data", holdout], {
      cwd: dir,
      env: { CATENA_STUDIO_URL: `http://127.0.0.1:${port}` },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      `catena: warning: traces were not sent: nothing listens at http://127.0.0.1:${port}`,
    );
    expect(r.stdout).not.toMatch(/^in the browser:|^traces: /m);
    expect(r.stdout).toMatch(/queue_match\s+1\.000\s+\[0\.\d{3}, 1\.000\]/);
  });

  it("says that an empty data file is empty", async () => {
    await writeFile(join(dir, "empty.jsonl"), "\n");
    await writeFile(join(dir, "empty.csv"), "text,queue\n");
    for (const file of ["empty.jsonl", "empty.csv"]) {
      const r = await run("eval", "support-triage", "--data", file);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        new RegExp(`^catena: ${file.replace(".", "\\.")} is empty: there are no items to evaluate`),
      );
    }
  }, 60_000);

  it("refuses data that is not UTF-8 with its line, for eval, train and calibrate, instead of reading U+FFFD", async () => {
    const latin1 = (text: string) => Buffer.from(text, "latin1");
    await writeFile(
      join(dir, "latin1.jsonl"),
      latin1(
        '{"text": "refund, charged twice", "queue": "billing"}\n{"text": "Caf\xe9 order never arrived", "queue": "shipping"}\n',
      ),
    );
    await writeFile(
      join(dir, "latin1.csv"),
      latin1('text,label\n"card arrived?",card_arrival\n"caf\xe9 card",card_arrival\n'),
    );
    const checks: [string[], string][] = [
      [["eval", "support-triage", "--data", "latin1.jsonl"], "latin1.jsonl line 2"],
      [["eval", "banking-intents", "--data", "latin1.csv"], "latin1.csv line 3"],
      [
        ["train", "banking-intents", "--data", "latin1.csv", "--out", "latin1-artifacts"],
        "latin1.csv line 3",
      ],
      [["calibrate", "banking-intents", "--data", "latin1.csv", "--dry-run"], "latin1.csv line 3"],
    ];
    for (const [args, where] of checks) {
      const r = await run(...args);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(
        new RegExp(
          `${where.replace(".", "\\.")} is not valid UTF-8 \\(byte 0xE9 at byte \\d+ of the line\\)`,
        ),
      );
    }
  }, 120_000);
});
