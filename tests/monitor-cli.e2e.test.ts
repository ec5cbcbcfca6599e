/*
 * `catena skew` and `catena sample` through the built binary: banking-intents runs traced by `catena batch` into a
 * studio database, read back through the SDK, compared with the dev split. A sample drawn from the
 * chain's own training data must not be reported; one where a third of the queries are another
 * business's support tickets must be, with those tickets among the examples to add to dev.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bankingSplit } from "@catena/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catena } from "./support/run-catena.ts";

const dir = mkdtempSync(join(tmpdir(), "catena-skew-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = {
  CATENA_STUDIO_DB: join(dir, "studio.db"),
  OPENAI_API_KEY: undefined,
  OPENAI_BASE_URL: undefined,
  LANGSMITH_API_KEY: undefined,
  CATENA_STUDIO_URL: undefined,
};
const tickets = ["sample.jsonl", "holdout.jsonl"].flatMap((name) =>
  readFileSync(
    fileURLToPath(new URL(`../packages/chains/data/support-triage/${name}`, import.meta.url)),
    "utf8",
  )
    .trim()
    .split("\n")
    .map((line) => (JSON.parse(line) as { text: string }).text),
);
const { train, dev } = bankingSplit();

async function traceBatch(project: string, texts: readonly string[]): Promise<void> {
  const file = join(dir, `${project}.jsonl`);
  writeFileSync(file, texts.map((text) => `${JSON.stringify({ text })}\n`).join(""));
  const r = await catena(
    ["batch", "banking-intents", "--file", file, "--out", join(dir, `${project}-out.jsonl`)],
    {
      cwd: dir,
      env: { ...env, LANGSMITH_PROJECT: project },
    },
  );
  expect(r.code, r.stderr).toBe(0);
}

beforeAll(async () => {
  writeFileSync(
    join(dir, "dev.csv"),
    `text,label\n${dev.map((e) => `"${e.text.replaceAll('"', '""')}",${e.label}`).join("\n")}\n`,
  );
  await traceBatch(
    "steady",
    train.filter((_, i) => i % 47 === 3).map((e) => e.text),
  );
  await traceBatch("shifted", [...train.filter((_, i) => i % 97 === 5).map((e) => e.text), ...tickets]);
}, 180_000);

describe("catena skew", () => {
  it("finds no shift in a sample drawn like the baseline", async () => {
    const r = await catena(
      ["--json", "skew", "banking-intents", "--baseline", "dev.csv", "--since", "1h", "--project", "steady"],
      { cwd: dir, env },
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.recent).toBe(train.filter((_, i) => i % 47 === 3).length);
    expect(report.baseline).toBe(dev.length);
    expect(report.reasons).toEqual([]);
    expect(report.status).toBe("stable");
  }, 60_000);

  it("reports a planted shift: lengths, formats, far inputs, and the examples to add to dev", async () => {
    const r = await catena(
      [
        "skew",
        "banking-intents",
        "--baseline",
        "dev.csv",
        "--since",
        "1h",
        "--project",
        "shifted",
        "--out",
        "new.jsonl",
      ],
      { cwd: dir, env },
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^banking-intents: \d+ recent inputs against 1499 baseline examples — SHIFTED\./,
    );
    expect(r.stdout).toMatch(/are far from every baseline example/);
    expect(r.stdout).toContain("new clusters (examples to label and add to the dev set):");
    expect(r.stdout).toContain("escalation and deferral by time slice:");
    // The batch took seconds: its slices must not all read the same minute.
    const slices = (r.stdout.split("escalation and deferral by time slice:\n")[1] ?? "")
      .split("\n\n")[0]
      ?.split("\n")
      .slice(1)
      .map((row) => row.split(/\s{2,}/)[0]);
    expect(slices?.length).toBeGreaterThan(1);
    expect(new Set(slices).size).toBe(slices?.length);
    const added = readFileSync(join(dir, "new.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => (JSON.parse(line) as { text: string }).text);
    expect(added.length).toBeGreaterThan(0);
    // Every example offered for dev is one of the planted tickets, none of the banking queries.
    for (const text of added) expect(tickets).toContain(text);

    const json = JSON.parse(
      (
        await catena(["--json", "skew", "banking-intents", "--baseline", "dev.csv", "--project", "shifted"], {
          cwd: dir,
          env,
        })
      ).stdout,
    );
    expect(json.status).toBe("shifted");
    expect(json.novelty.far).toBeGreaterThanOrEqual(3);
    // No provider is configured, so the queries the cheap tiers refuse are deferred: the trend shows them.
    expect(json.trend.reduce((s: number, t: { deferred: number }) => s + t.deferred, 0)).toBeGreaterThan(0);
  }, 60_000);

  it("says so when there are no traced runs to compare", async () => {
    const r = await catena(["skew", "banking-intents", "--baseline", "dev.csv", "--project", "nobody"], {
      cwd: dir,
      env,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^No traced runs of banking-intents in the local studio .*nothing to compare\.\n$/,
    );
  }, 60_000);

  it("says the label mix is not tested when too few items are labelled, instead of a χ² with df 0 and p 1", async () => {
    await traceBatch(
      "tiny",
      train
        .filter((_, i) => i % 500 === 7)
        .slice(0, 4)
        .map((e) => e.text),
    );
    const r = await catena(["skew", "banking-intents", "--baseline", "dev.csv", "--project", "tiny"], {
      cwd: dir,
      env,
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^label mix +not tested \(too few items, see below\) +-$/m);
    expect(r.stdout).not.toContain("df 0");
    expect(r.stdout).toMatch(
      /^label mix: not tested: too few items: [1-4] labelled recent answers? against 1499 baseline labels; the χ² test needs a label expected at least 5 times in both, and another label beside it/m,
    );
    const json = JSON.parse(
      (
        await catena(["--json", "skew", "banking-intents", "--baseline", "dev.csv", "--project", "tiny"], {
          cwd: dir,
          env,
        })
      ).stdout,
    );
    // No placeholder numbers that read as "no shift": none, and why.
    expect(json.labels).toMatchObject({ tested: false, reason: "too-few-items", df: null, pValue: null });
    expect(json.labels.items.baseline).toBe(1499);
  }, 120_000);

  it("says a label mix of a single label on both sides has nothing to compare, not that more runs would help", async () => {
    const label = "card_arrival";
    writeFileSync(
      join(dir, "one-label.csv"),
      `text,label\n${dev
        .filter((e) => e.label === label)
        .map((e) => `"${e.text.replaceAll('"', '""')}",${label}`)
        .join("\n")}\n`,
    );
    await traceBatch(
      "one-label",
      train
        .filter((e) => e.label === label)
        .slice(0, 3)
        .map((e) => e.text),
    );
    const args = ["skew", "banking-intents", "--baseline", "one-label.csv", "--project", "one-label"];
    const r = await catena(args, { cwd: dir, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^label mix +not tested \(a single label, see below\) +-$/m);
    expect(r.stdout).toMatch(
      /^label mix: not tested: a single label: the [1-3] labelled recent answers? and the \d+ baseline labels are all "card_arrival", so there is no mix to compare/m,
    );
    expect(r.stdout).not.toContain("a longer --since");
    const json = JSON.parse((await catena(["--json", ...args], { cwd: dir, env })).stdout);
    expect(json.labels).toMatchObject({
      tested: false,
      reason: "single-label",
      statistic: null,
      df: null,
      pValue: null,
    });
  }, 120_000);

  it("refuses a --field or an --escalation-tier the chain's runs do not have, naming those there are", async () => {
    const skew = (...extra: string[]) =>
      catena(["skew", "banking-intents", "--baseline", "dev.csv", "--project", "steady", ...extra], {
        cwd: dir,
        env,
      });
    const field = await skew("--field", "txt");
    expect(field.code).toBe(2);
    expect(field.stderr).toMatch(
      /^catena: --field txt: no traced run of banking-intents has a text input of that name \(inputs: text\)/,
    );
    const tier = await skew("--escalation-tier", "LLM");
    expect(tier.code).toBe(2);
    expect(tier.stderr).toMatch(
      /^catena: --escalation-tier LLM: banking-intents has no tier of that name \(tiers: .*llm/,
    );
    expect((await skew("--field", "text", "--escalation-tier", "llm")).code).toBe(0);
  }, 60_000);
});

describe("the chain named to skew, sample and shadow report", () => {
  it("is refused when no loaded chain has that name or version, as catena run refuses it (not 'no runs', exit 0)", async () => {
    for (const args of [
      ["skew", "banking-intent", "--baseline", "dev.csv", "--project", "shifted"],
      ["sample", "bankin", "--project", "shifted", "--out", "typo.jsonl"],
      ["shadow", "report", "banking-intnts", "--project", "shifted"],
      ["sample", "banking-intents@9.9.9", "--project", "shifted", "--out", "typo.jsonl"],
    ]) {
      const r = await catena(args, { cwd: dir, env });
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/^catena: Unknown chain "[^"]+"\. Known chains: .*banking-intents@1\.0\.0/);
    }
  }, 60_000);

  it("narrows the runs to a version given as name@version", async () => {
    const pinned = await catena(
      [
        "--json",
        "sample",
        "banking-intents@1.0.0",
        "--n",
        "3",
        "--project",
        "shifted",
        "--out",
        "pinned.jsonl",
      ],
      { cwd: dir, env },
    );
    expect(pinned.stderr).toBe("");
    const all = await catena(
      ["--json", "sample", "banking-intents", "--n", "3", "--project", "shifted", "--out", "all.jsonl"],
      { cwd: dir, env },
    );
    expect(JSON.parse(pinned.stdout).runs).toBe(JSON.parse(all.stdout).runs);
    expect(JSON.parse(pinned.stdout).runs).toBeGreaterThan(0);
    const skew = await catena(
      ["--json", "skew", "banking-intents@1.0.0", "--baseline", "dev.csv", "--project", "shifted"],
      { cwd: dir, env },
    );
    expect(skew.code, skew.stderr).toBe(0);
    expect(JSON.parse(skew.stdout).recent).toBe(JSON.parse(all.stdout).runs);
  }, 60_000);
});

describe("catena sample", () => {
  it("picks the same stratified sample all day, every tier taking its turn", async () => {
    const args = ["sample", "banking-intents", "--n", "12", "--stratify", "tier", "--project", "shifted"];
    const first = await catena([...args, "--out", "a.jsonl"], { cwd: dir, env });
    expect(first.stderr).toBe("");
    expect(first.stdout).toMatch(
      /^Sampled 12 of \d+ runs of banking-intents by tier \(.+\) to a\.jsonl\.\n$/,
    );
    await catena([...args, "--out", "b.jsonl"], { cwd: dir, env });
    const a = readFileSync(join(dir, "a.jsonl"), "utf8");
    expect(readFileSync(join(dir, "b.jsonl"), "utf8")).toBe(a);
    const rows = a
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { runId: string; tier: string; text: string });
    expect(rows).toHaveLength(12);
    expect(new Set(rows.map((r) => r.runId)).size).toBe(12);
    // Rare tiers are not drowned by the common one: at least two tiers, none with more than half.
    const tiers = new Map<string, number>();
    for (const r of rows) tiers.set(r.tier, (tiers.get(r.tier) ?? 0) + 1);
    expect(tiers.size).toBeGreaterThan(1);
    for (const c of tiers.values()) expect(c).toBeLessThanOrEqual(6);
  }, 60_000);

  it("says so when there are no runs to sample, and creates no queue or file", async () => {
    const r = await catena(["sample", "banking-intents", "--project", "nobody"], { cwd: dir, env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^No traced runs of banking-intents in the local studio .*nothing to sample\.\n$/,
    );
    const today = new Date().toISOString().slice(0, 10);
    expect(existsSync(join(dir, `banking-intents-sample-${today}.jsonl`))).toBe(false);
    const json = await catena(["--json", "sample", "banking-intents", "--project", "nobody"], {
      cwd: dir,
      env,
    });
    expect(JSON.parse(json.stdout)).toMatchObject({ status: "no-runs", chain: "banking-intents" });
  }, 60_000);

  it("goes to the annotation queue, or to a dated file with a message when the studio has none", async () => {
    const r = await catena(["sample", "banking-intents", "--n", "5", "--project", "steady"], {
      cwd: dir,
      env,
    });
    expect(r.stderr).toBe("");
    const today = new Date().toISOString().slice(0, 10);
    if (r.stdout.includes("to the annotation queue")) {
      expect(r.stdout).toMatch(/^Sampled 5 of \d+ runs .* to the annotation queue "banking-intents review"/);
    } else {
      expect(r.stdout).toMatch(
        new RegExp(
          `^Sampled 5 of \\d+ runs .* to banking-intents-sample-${today}\\.jsonl \\(the local studio .* has no annotation queues\\)\\.\n$`,
        ),
      );
      expect(
        readFileSync(join(dir, `banking-intents-sample-${today}.jsonl`), "utf8")
          .trim()
          .split("\n"),
      ).toHaveLength(5);
    }
  }, 60_000);
});
