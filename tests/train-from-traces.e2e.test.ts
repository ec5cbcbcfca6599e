/*
 * The learning loop through the built binary, against a real studio over HTTP: banking-intents
 * traffic runs with the real ChatOpenAI answering as the LLM tier from the OpenAI-compatible test
 * server (the gold label, but a wrong one on every tenth item), people correct some of the wrong
 * answers and rate others down through the SDK's createFeedback, and `catena train banking-intents
 * --from-traces --promote` trains a candidate version, compares it, and promotes it only when the
 * gate holds. (Ctrl-C during the command: train-from-traces-interrupt.e2e.test.ts.)
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bankingSplit } from "@catena/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catena } from "./support/run-catena.ts";
import { csvOf, dev, gold, keyOf, TracedBanking, traffic, wrongTexts } from "./support/traced-banking.ts";

const traced = new TracedBanking();
const dir = traced.dir;
const env = (project: string) => traced.env(project);

/** `catena train banking-intents --from-traces` over the last hour's runs, calibrated and judged on dev.csv. */
const trainFromTraces = (...extra: string[]) =>
  catena(
    ["train", "banking-intents", "--from-traces", "--since", "1h", "--dev", "dev.csv", "--promote", ...extra],
    {
      cwd: dir,
      env: env("loop"),
      timeoutMs: 300_000,
    },
  );

const corrected: string[] = [];
const rated: string[] = [];

beforeAll(async () => {
  await traced.start();
  await traced.serveTraffic("loop");
  // People correct half of the LLM tier's wrong answers and rate a few others down without a correction.
  // In text order: the studio lists the runs as the batch finished them, in no fixed order, and
  // which runs get which feedback must not depend on it (the candidate, and its regressions, do).
  const byText = <T extends { text: string }>(runs: T[]): T[] =>
    runs.sort((a, b) => (keyOf(a.text) < keyOf(b.text) ? -1 : keyOf(a.text) > keyOf(b.text) ? 1 : 0));
  const wrong = byText(await traced.runs("loop")).filter((r) => wrongTexts.has(keyOf(r.text)));
  for (const [i, run] of wrong.entries()) {
    const right = gold.get(keyOf(run.text)) as string;
    if (i % 2 === 0) {
      await traced.client.createFeedback(run.id, "correction", {
        correction: { label: right },
        feedbackSourceType: "app",
      });
      corrected.push(run.id);
    } else if (i % 4 === 1) {
      await traced.client.createFeedback(run.id, "rating", { score: 1, feedbackSourceType: "app" });
      rated.push(run.id);
    }
  }
  // And rate twenty of the cheap tiers' answers right: evidence of their precision.
  for (const run of byText(await traced.runs("loop", "cheap")).slice(0, 20)) {
    await traced.client.createFeedback(run.id, "rating", { score: 5, feedbackSourceType: "app" });
  }
}, 300_000);

afterAll(() => traced.close());

/** Four examples of each intent of the training split: the classifier needs two of each at least. */
function fourPerLabel() {
  const perLabel = new Map<string, number>();
  return bankingSplit().train.filter((e) => {
    const n = (perLabel.get(e.label) ?? 0) + 1;
    perLabel.set(e.label, n);
    return n <= 4;
  });
}

describe("catena train --from-traces", () => {
  it("trains a candidate from the LLM answers and the corrections, and promotes it when the gate holds", async () => {
    expect(corrected.length).toBeGreaterThan(0);
    // A team that promotes whatever is about as good: precision within a point of the target on dev,
    // at most 4 regressions. (With the neural tier and its hidden-layer kNN vote, this candidate's
    // precision on the 365 dev items lands a few items under 97%: the mechanics are what is tested.)
    const r = await trainFromTraces("--gate", "precision>=0.96,regressions<=4", "--json");
    expect(r.stderr, r.stdout).toBe("");
    const result = JSON.parse(r.stdout);
    expect(result.status).toBe("promoted");
    expect(r.code).toBe(0);
    expect(result.current).toMatchObject({ id: "banking-intents@1.0.0", version: "1.0.0" });
    expect(result.candidate.id).toBe("banking-intents@1.0.1");
    expect(result.candidate.fingerprint).not.toBe(result.current.fingerprint);
    expect(result.traced.corrected).toBe(corrected.length);
    expect(result.traced.lowRated).toBe(rated.length);
    expect(result.traced.inDev).toBe(0);
    expect(result.traced.added).toBeGreaterThan(0);
    expect(result.traced.added).toBeLessThanOrEqual(result.traced.corrections + result.traced.llm);
    expect(result.gate.map((c: { text: string; passed: boolean }) => [c.text, c.passed])).toEqual([
      ["precision>=0.96", true],
      ["regressions<=4", true],
    ]);
    expect(result.dev.after.precision).toBeGreaterThanOrEqual(0.96);
    expect(result.metrics.precision).toBe(result.dev.after.precision);
    // Recent traffic: a held-out share of the traced texts, never trained on, measured against their traced labels.
    expect(result.traffic.after.items).toBe(result.traced.heldOut);
    expect(result.traced.heldOut).toBeGreaterThan(0);
    expect(typeof result.metrics.traffic_llm_share_delta).toBe("number");

    const folder = result.candidate.dir as string;
    for (const file of [
      "manifest.json",
      "thresholds.json",
      "classifier.catena",
      "chain.mjs",
      "report.md",
      "report.json",
    ])
      expect(existsSync(join(folder, file)), file).toBe(true);
    const markdown = readFileSync(join(folder, "report.md"), "utf8");
    expect(markdown).toMatch(/^# banking-intents@1\.0\.1: promoted$/m);
    expect(markdown).toContain("- holds: precision>=0.96 (actual");
    expect(markdown).toContain("## Recent traffic:");
    const report = JSON.parse(readFileSync(join(folder, "report.json"), "utf8"));
    expect(report.format).toBe("catena.train-from-traces.v1");
    expect(report.status).toBe("promoted");

    // Promoted: the bare name runs the candidate, the old version stays pinned.
    const config = JSON.parse(readFileSync(join(dir, "catena.config.json"), "utf8"));
    expect(config.chains).toEqual(["./.catena/candidates/banking-intents@1.0.1/chain.mjs"]);
    const list = JSON.parse((await catena(["--json", "list"], { cwd: dir, env: env("loop") })).stdout);
    const versions = list
      .filter((c: { name: string }) => c.name === "banking-intents")
      .map((c: { version: string }) => c.version);
    expect(versions).toEqual(["1.0.0", "1.0.1"]);
    // Locked as `catena lock` would: the check passes for the promoted version.
    expect(result.lockedIn).toBe(join(dir, "catena.lock.json"));
    const lock = JSON.parse(readFileSync(join(dir, "catena.lock.json"), "utf8"));
    expect(lock.chains["banking-intents@1.0.1"]).toBe(result.candidate.fingerprint);
    const check = await catena(["lock", "--check"], { cwd: dir, env: env("loop") });
    expect(check.code, check.stderr).toBe(0);
  }, 400_000);

  it("refuses a candidate that calls the LLM no less, says why, and keeps the current version", async () => {
    // The same traces again, under the default gate: the candidate learns what 1.0.1 already knows,
    // so it leaves as much of the recent traffic to the LLM.
    const r = await trainFromTraces("--out", "refused");
    // (The default gate's precision check may fail too: 1.0.1 itself is a few items under 97% on dev.)
    expect(r.stderr).toMatch(
      /^catena: candidate banking-intents@1\.0\.2 refused: (precision>=0\.97, )?traffic_llm_share_delta<0\n$/,
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^banking-intents@1\.0\.2 from \d+ traced runs of banking-intents: /);
    // The thresholds differ a little (the traced calibration items are weighed by what 1.0.1 does).
    expect(r.stdout).toMatch(/fails: traffic_llm_share_delta<0 \(actual (0|0\.\d+)\)/);
    expect(r.stdout).toMatch(/holds: regressions<=4 \(actual [0-4]\)/);
    expect(r.stdout).toContain("not promoted: the gate failed; the current version stays in use.");
    expect(readFileSync(join(dir, "refused", "report.md"), "utf8")).toMatch(/: refused$/m);
    const config = JSON.parse(readFileSync(join(dir, "catena.config.json"), "utf8"));
    expect(config.chains).toHaveLength(1);
  }, 400_000);

  it("chooses thresholds on dev plus traced labels kept apart, bounds the precision, and self-trains on the cheap tiers' answers", async () => {
    const r = await catena(
      [
        "--json",
        "train",
        "banking-intents",
        "--from-traces",
        "--since",
        "1h",
        "--dev",
        "dev.csv",
        "--out",
        "calibrated",
        "--calib-share",
        "0.5",
        "--precision-bound",
        "0.8",
        "--self-train-weight",
        "1",
        "--self-train-confidence",
        "0.9",
      ],
      { cwd: dir, env: env("loop"), timeoutMs: 300_000 },
    );
    const result = JSON.parse(r.stdout);
    expect(["candidate", "refused"]).toContain(result.status);
    expect(result.traced.calib).toBeGreaterThan(0);
    expect(result.traced.selfTrained).toBeGreaterThan(0);
    const report = JSON.parse(readFileSync(join(dir, "calibrated", "report.json"), "utf8"));
    // The traced items kept apart, by what the current version (1.0.1, promoted above) does with
    // them: some LLM labels are of queries it now answers itself, and the cheap answers people rated
    // right are; each stratum weighs its share of the traffic.
    const strata = report.calibrationStrata;
    expect(strata.llm.traced + strata.cheap.traced).toBe(result.traced.calib);
    expect(strata.llm.traced).toBeGreaterThan(0);
    expect(strata.cheap.traced).toBeGreaterThan(0);
    expect(strata.llm.dev + strata.cheap.dev).toBe(dev.length);
    // The share of the traced traffic the LLM tier answered (about one query in seven here).
    expect(strata.llm.share).toBeGreaterThan(0.05);
    expect(strata.llm.share).toBeLessThan(0.3);
    expect(report.calibration.items).toBe(dev.length + result.traced.calib);
    // Trained on the chain's own data, the traced labels and the sure cheap answers; never on what calibrates or measures.
    expect(report.training.examples).toBeGreaterThan(result.traced.added + result.traced.selfTrained);
    const markdown = readFileSync(join(dir, "calibrated", "report.md"), "utf8");
    expect(markdown).toContain(
      `| labelled texts kept apart to choose thresholds on (never trained on) | ${result.traced.calib} |`,
    );
    expect(markdown).toMatch(/Thresholds chosen on \d+ dev items and \d+ traced ones/);

    const bad = await catena(
      ["--json", "train", "banking-intents", "--from-traces", "--precision-bound", "1"],
      { cwd: dir, env: env("loop") },
    );
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error.message).toContain(
      "--precision-bound must be a confidence in [0, 1)",
    );
  }, 400_000);

  it("names the problem: no traces, too few items, a chain that cannot be trained, an unreachable backend", async () => {
    const none = await catena(
      ["--json", "train", "banking-intents", "--from-traces", "--project", "nobody"],
      {
        cwd: dir,
        env: env("loop"),
      },
    );
    expect(none.code).toBe(1);
    expect(JSON.parse(none.stdout).error.code).toBe("TRACES_NOT_FOUND");
    const few = await catena(
      ["--json", "train", "banking-intents", "--from-traces", "--since", "1h", "--min-items", "100000"],
      { cwd: dir, env: env("loop") },
    );
    const tooFew = JSON.parse(few.stdout).error;
    expect(tooFew.code).toBe("TOO_FEW_ITEMS");
    // Every run counted once by what it gave, then the labelled texts by where they went.
    expect(tooFew.message).toMatch(
      /^Only \d+ labelled items? to train on in \d+ traced runs of banking-intents \(need 100000\)\. The runs: .*; their labels are \d+ distinct texts, of which .*\d+ usable\. /,
    );
    const d = tooFew.details;
    // The runs, each in one group: they add up.
    expect(d.corrected + d.llmAnswered + d.cheap + d.lowRated + d.unanswered + d.invalidCorrections).toBe(
      d.runs,
    );
    expect(d.llmAnswered).toBeGreaterThan(0);
    const untrainable = await catena(["--json", "train", "support-triage", "--from-traces"], {
      cwd: dir,
      env: env("loop"),
    });
    expect(untrainable.code).toBe(2);
    expect(JSON.parse(untrainable.stdout).error.code).toBe("CHAIN_NOT_TRAINABLE");
    const down = await catena(["--json", "train", "banking-intents", "--from-traces"], {
      cwd: dir,
      env: { ...env("loop"), CATENA_STUDIO_URL: "http://127.0.0.1:9" },
    });
    expect(down.code).toBe(1);
    expect(JSON.parse(down.stdout).error.code).toBe("TRACES_UNREACHABLE");
  }, 200_000);

  it("adds the traced labels to the examples of --data, leaving out its dev-split, held-out and calibration texts", async () => {
    const four = fourPerLabel();
    // Some texts of the traffic too (a file exported from it): those held out or kept for
    // calibration are not trained on.
    const served = traffic.slice(0, 200);
    const given = [...four, ...dev.slice(0, 10), ...served];
    writeFileSync(join(dir, "given.csv"), csvOf(given));
    const r = await catena(
      [
        "--json",
        "train",
        "banking-intents",
        "--from-traces",
        "--data",
        "given.csv",
        "--since",
        "1h",
        "--dev",
        "dev.csv",
        "--out",
        "with-data",
      ],
      { cwd: dir, env: env("loop"), timeoutMs: 300_000 },
    );
    expect(r.stderr).not.toMatch(/not both/);
    expect(r.stdout).not.toMatch(/"error"/);
    const result = JSON.parse(r.stdout);
    expect(["candidate", "refused"]).toContain(result.status);
    expect(result.data).toEqual({ examples: four.length + 10 + served.length, inDev: 10 });
    expect(result.traced.heldOutOfTraining).toBeGreaterThan(0);
    const report = JSON.parse(readFileSync(join(dir, "with-data", "report.json"), "utf8"));
    // The given examples (less those a correction relabels) plus the traced labels, corrections twice.
    const kept = four.length + served.length - result.traced.heldOutOfTraining;
    expect(report.training.examples).toBeGreaterThanOrEqual(kept - result.traced.added);
    expect(report.training.examples).toBeLessThanOrEqual(kept + 2 * result.traced.added);
    expect(result.traced.added).toBeGreaterThan(0);
  }, 400_000);

  it("flags a candidate identical to the current version as unchanged, and does not promote it", async () => {
    // Four examples of each intent, calibrated on dev only: the same traces train the same candidate.
    writeFileSync(join(dir, "four.csv"), csvOf(fourPerLabel()));
    const again = (out: string, gate = "regressions<=100000") =>
      trainFromTraces("--json", "--data", "four.csv", "--calib-share", "0", "--gate", gate, "--out", out);
    const first = await again("same-1");
    expect(JSON.parse(first.stdout).status, first.stderr).toBe("promoted");
    const promoted = JSON.parse(first.stdout).candidate;

    // Identical, it leaves the LLM as much traffic: a condition comparing it with the current
    // version fails by that alone, which is no failure (exit 0).
    const second = await again("same-2", "regressions<=100000,traffic_llm_share_delta<0");
    const result = JSON.parse(second.stdout);
    expect(result.status).toBe("unchanged");
    expect(result.gate.map((c: { passed: boolean }) => c.passed)).toEqual([true, false]);
    expect(result.current.id).toBe(promoted.id);
    expect(result.candidate.fingerprint).toBe(promoted.fingerprint);
    expect(second.code).toBe(0);
    expect(second.stderr).toBe(
      `catena: candidate ${result.candidate.id} is identical to ${promoted.id} (fingerprint ${promoted.fingerprint.slice(0, 12)}): not promoted; train again once new traces or corrections have come in.\n`,
    );
    expect(result.reasons.at(-1)).toMatch(
      /^not promoted: the candidate is identical to banking-intents@\S+ \(same fingerprint\)/,
    );
    expect(readFileSync(join(dir, "same-2", "report.md"), "utf8")).toMatch(/: unchanged \(identical to /m);
    // The config still runs the first candidate; the lock file did not get the no-op.
    const config = JSON.parse(readFileSync(join(dir, "catena.config.json"), "utf8"));
    expect(config.chains.at(-1)).toBe("./same-1/chain.mjs");
    const lock = JSON.parse(readFileSync(join(dir, "catena.lock.json"), "utf8"));
    expect(lock.chains[result.candidate.id]).toBeUndefined();

    // A condition on its own figures (here one no version meets) it fails as the current version
    // does: a CI gate sees exit 1.
    const third = await again("same-3", "precision>1,traffic_llm_share_delta<0");
    expect(JSON.parse(third.stdout).status).toBe("unchanged");
    expect(third.code).toBe(1);
    expect(third.stderr).toMatch(
      /: not promoted; and it fails precision>1, as banking-intents@\S+ does\. train again once/,
    );
    expect(third.stderr).not.toMatch(/fails [^\n]*traffic_llm_share_delta/);
  }, 900_000);
});
