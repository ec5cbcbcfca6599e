/*
 * `catena train` and `catena calibrate` on data shaped as a user's own comes, not as Banking77's
 * file: the small files of tests/fixtures/heldout (a BOM, CRLF, headers in another case, tabs, JSON
 * lines with values of the wrong type, two examples a class, a class of one, other column names).
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "./support/ensure-built.ts";
import { catena } from "./support/run-catena.ts";

const dir = mkdtempSync(join(tmpdir(), "catena-heldout-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
cpSync(join(repoRoot, "tests/fixtures/heldout"), dir, { recursive: true });
const noProvider = { OPENAI_API_KEY: undefined, OPENAI_BASE_URL: undefined };

describe("catena train / calibrate on data in other shapes", () => {
  it("trains on a CSV with a BOM, CRLF, Text/Category headers, an extra column and a quoted line break", async () => {
    const r = await catena(
      ["--json", "train", "banking-intents", "--data", "bom-crlf-case.csv", "--out", "bom"],
      { cwd: dir },
    );
    // Six dev items are too few to show 97% precision: the calibration says so, once.
    expect(r.stderr).toMatch(/^catena: warning: calibration: the dev set has 6 items, too few [^\n]*\n$/);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout).report;
    // 36 examples, 3 classes of 12: 10 of each to train on, 2 held out as dev.
    expect(report.examples.train + report.dev.examples).toBe(36);
    expect(report.dev.perClass.map((c: { label: string }) => c.label).sort()).toEqual([
      "card_arrival",
      "exchange_rate",
      "lost_or_stolen_card",
    ]);
    // Calibrated on the dev items it held out, so the folder is a usable chain, not LLM-only.
    expect(JSON.parse(r.stdout).calibration.items).toBe(report.dev.examples);
    expect(existsSync(join(dir, "bom", "thresholds.json"))).toBe(true);
  }, 60_000);

  it("with --no-calibrate writes no thresholds and gives the exact calibrate command to run next", async () => {
    const r = await catena(
      [
        "train",
        "banking-intents",
        "--data",
        "labelled.jsonl",
        "--dev",
        "tabs.tsv",
        "--out",
        "no cal",
        "--no-calibrate",
      ],
      { cwd: dir },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      "every item goes to the LLM tier until you calibrate them on labelled dev data. Next:\n  catena calibrate banking-intents --artifacts 'no cal' --data tabs.tsv\n",
    );
    expect(existsSync(join(dir, "no cal", "thresholds.json"))).toBe(false);
  }, 60_000);

  it("reports a folder it calibrates as that folder, with its fingerprint, not as the chain's current version", async () => {
    const r = await catena(["calibrate", "banking-intents", "--artifacts", "no cal", "--data", "tabs.tsv"], {
      cwd: dir,
      env: noProvider,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^calibrated banking-intents artifacts in no cal \(fingerprint [0-9a-f]{12}, trained \d{4}-\d\d-\d\d \d\d:\d\d UTC\), cascade "intent"/,
    );
    expect(r.stdout).not.toContain("@1.0.0");
    expect(r.stdout).toMatch(/the chain's fingerprint changes \([0-9a-f]{12} → [0-9a-f]{12}\)/);
  }, 60_000);

  it("trains on a .tsv and on JSON lines, and calibrates on JSON lines", async () => {
    const tsv = await catena(["train", "banking-intents", "--data", "tabs.tsv", "--out", "tsv"], {
      cwd: dir,
    });
    expect(tsv.code).toBe(0);
    expect(tsv.stdout).toMatch(/^trained banking-intents: \d+ examples/);

    const jsonl = await catena(
      ["train", "banking-intents", "--data", "labelled.jsonl", "--dev", "tabs.tsv", "--out", "jsonl"],
      { cwd: dir },
    );
    expect(jsonl.code).toBe(0);
    expect(jsonl.stdout).toMatch(/^trained banking-intents: 36 examples/);
    expect(jsonl.stdout).toMatch(/dev: 36 examples/);

    const cal = await catena(
      ["--json", "calibrate", "banking-intents", "--artifacts", "jsonl", "--data", "labelled.jsonl"],
      { cwd: dir, env: noProvider },
    );
    expect(cal.code).toBe(0);
    expect(JSON.parse(cal.stdout).result.items).toBe(36);
    expect(existsSync(join(dir, "jsonl", "thresholds.json"))).toBe(true);
  }, 90_000);

  it("names the file, the lines and what is wrong with each in JSON lines of the wrong types", async () => {
    const r = await catena(["train", "banking-intents", "--data", "odd-types.jsonl", "--out", "odd"], {
      cwd: dir,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("odd-types.jsonl: 6 lines are not labelled examples");
    expect(r.stderr).toContain('line 3 ("text" is a number)');
    expect(r.stderr).toContain('line 4 ("text" is null)');
    expect(r.stderr).toContain('line 5 ("label" is an array)');
    expect(r.stderr).toContain('line 6 ("text" is missing)');
    expect(r.stderr).toContain("line 7 (not a JSON object)");
    expect(r.stderr).toContain("line 8 (not valid JSON)");
    expect(existsSync(join(dir, "odd"))).toBe(false);
  }, 60_000);

  it("trains on two examples a class without a dev split, saying so, and names the file of a class of one", async () => {
    const two = await catena(["train", "banking-intents", "--data", "two-per-class.csv", "--out", "two"], {
      cwd: dir,
    });
    expect(two.code).toBe(0);
    expect(two.stderr).toContain(
      "two-per-class.csv has too few examples per class (6 in all) to hold 15% of them out as dev",
    );
    expect(two.stdout).toMatch(/^trained banking-intents: 6 examples, 3 of its 77 classes/);
    expect(two.stdout).toContain(
      "catena calibrate banking-intents --artifacts two --data <labelled dev file>",
    );
    expect(readdirSync(join(dir, "two"))).toContain("classifier.catena");

    const one = await catena(
      ["train", "banking-intents", "--data", "one-example-class.csv", "--out", "one"],
      { cwd: dir },
    );
    expect(one.code).toBe(2);
    expect(one.stderr).toMatch(
      /^catena: one-example-class\.csv: 1 class has fewer than 2 examples: "pin_blocked" \(1, line 20\)/,
    );
    expect(one.stderr).not.toContain("warning");

    // One class of the chain's 77 is not enough to train a classifier on.
    const single = await catena(["train", "banking-intents", "--data", "one-class.csv", "--out", "single"], {
      cwd: dir,
    });
    expect(single.code).toBe(2);
    expect(single.stderr).toContain(
      'one-class.csv: every example is labelled "card_arrival"; a classifier needs examples of at least two classes.',
    );
    expect(existsSync(join(dir, "single"))).toBe(false);
  }, 60_000);

  it("tells calibrate's user which column is missing in CLI terms, not the code API's", async () => {
    const r = await catena(["calibrate", "banking-intents", "--data", "renamed-columns.csv", "--dry-run"], {
      cwd: dir,
      env: noProvider,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      '--data renamed-columns.csv has no text column (its columns: Query, Intent); name the column of the texts "text" in the header row.',
    );
    expect(r.stderr).not.toContain("textColumn");
  }, 60_000);

  it("names the lines of dev texts the chain cannot take (too long) before calibrating", async () => {
    const r = await catena(["calibrate", "banking-intents", "--data", "too-long.csv", "--dry-run"], {
      cwd: dir,
      env: noProvider,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^catena: --data too-long\.csv: 1 item that banking-intents cannot take as input: line 8 \(text: Too big: expected string to have <=2000 characters\); shorten or remove them/,
    );
  }, 60_000);

  it("evaluates held-out data with a blank text and intents the chain does not know, counting them", async () => {
    const r = await catena(["--json", "--no-trace", "eval", "banking-intents", "--data", "new-intent.csv"], {
      cwd: dir,
      env: noProvider,
    });
    expect(r.code, r.stderr).toBe(0);
    // One warning for the unknown labels, with the count and the labels.
    expect(r.stderr).toBe(
      'catena: warning: new-intent.csv: 3 items expect labels banking-intents does not know: "crypto_wallet" (2), "bill_split" (1); they count as misses (--strict-labels refuses such a file).\n',
    );
    const report = JSON.parse(r.stdout);
    expect(report.items).toBe(13);
    // The blank text is an item the chain refused: an error of the report, not of the file.
    expect(report.failed).toBe(1);
    expect(report.failures[0].code).toBe("INPUT_VALIDATION");
    // The three of unknown labels are misses: at most 9 of the 13 can be right.
    expect(report.accuracy).toBeLessThanOrEqual(9 / 13);

    const text = await catena(["--no-trace", "eval", "banking-intents", "--data", "new-intent.csv"], {
      cwd: dir,
      env: noProvider,
    });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^failed\s+1\s/m);

    const strict = await catena(
      ["--no-trace", "eval", "banking-intents", "--data", "new-intent.csv", "--strict-labels"],
      { cwd: dir, env: noProvider },
    );
    expect(strict.code).toBe(2);
    expect(strict.stderr).toContain('"crypto_wallet" (line 12)');
  }, 60_000);

  it("warns of a text given two labels, naming the file and both lines, and still trains", async () => {
    const r = await catena(
      ["train", "banking-intents", "--data", "conflicting.csv", "--out", "conflicting"],
      {
        cwd: dir,
      },
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      'catena: warning: conflicting.csv: 1 text appears with different labels: "Can you track my card for me?" (line 2 card_arrival, line 38 lost_or_stolen_card)',
    );
  }, 60_000);
});
