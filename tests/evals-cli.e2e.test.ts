/*
 * End-to-end tests of `catena eval`, `catena compare` and `catena judge align` through the built
 * binary: experiments recorded in a real studio over HTTP and read back with the real langsmith
 * SDK; the sql-qa chain and its LLM judge answered by @catena/testing's OpenAI test server (the
 * script shipped with the chain's eval data); gates, the judge-alignment refusal, the LLM answer
 * cache and the cost budget.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startStudio } from "@catena/studio";
import { loadServerScript, type OpenAiTestServer, startOpenAiTestServer } from "@catena/testing";
import { Client } from "langsmith";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, repoRoot } from "./support/ensure-built.ts";
import { catena } from "./support/run-catena.ts";
import { rootRuns } from "./support/studio-runs.ts";

const holdout = join(repoRoot, "packages/chains/data/support-triage/holdout.jsonl");
const sqlData = join(repoRoot, "packages/chains/data/sql-qa/eval.jsonl");
const sqlLabels = join(repoRoot, "packages/chains/data/sql-qa/judge-labels.jsonl");
const nextTriage = join(repoRoot, "packages/chains/examples/support-triage-next.ts");

let dir: string;
let studio: Awaited<ReturnType<typeof startStudio>>;
let server: OpenAiTestServer;
let env: Record<string, string | undefined>;

beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), "catena-evals-cli-"));
  studio = await startStudio({ port: 0, dbPath: join(dir, "studio.db") });
  server = await startOpenAiTestServer(
    await loadServerScript(join(repoRoot, "packages/chains/data/sql-qa/test-server.mjs")),
  );
  env = {
    CATENA_STUDIO_URL: studio.url,
    OPENAI_BASE_URL: server.url,
    OPENAI_API_KEY: "test",
    CATENA_SQL_QA_ANSWER: "format",
  };
}, 180_000);

afterAll(async () => {
  await server?.close();
  await studio?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const run = (...args: string[]) => catena(args, { cwd: dir, env });
const sdk = () => new Client({ apiUrl: studio.url, apiKey: "catena-studio" });

describe("catena eval records a LangSmith experiment", () => {
  it("links every run to its example and writes one feedback row per evaluator, readable through the SDK", async () => {
    const r = await run(
      "--json",
      "eval",
      "support-triage",
      "--data",
      holdout,
      "--experiment",
      "triage-holdout",
    );
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as {
      accuracy: number;
      evaluation: {
        evaluators: Array<{ key: string; mean: number; low: number; high: number; n: number }>;
        runs: number;
      };
      experiment: { name: string; datasetId: string; feedback: number };
    };
    expect(report.evaluation.evaluators.map((e) => e.key)).toEqual(["queue_match", "tier_known"]);
    const queue = report.evaluation.evaluators[0];
    expect(queue?.n).toBe(27);
    expect(queue?.low).toBeLessThanOrEqual(queue?.mean ?? 0);
    expect(report.experiment).toMatchObject({ name: "triage-holdout", feedback: 54 });

    const client = sdk();
    const projects = [];
    for await (const p of client.listProjects({ referenceDatasetId: report.experiment.datasetId }))
      projects.push(p);
    expect(projects.map((p) => p.name)).toEqual(["triage-holdout"]);
    const examples = new Set<string>();
    for await (const e of client.listExamples({ datasetId: report.experiment.datasetId })) examples.add(e.id);
    expect(examples.size).toBe(27);
    const runs = await rootRuns(client, "triage-holdout");
    expect(runs).toHaveLength(27);
    for (const run of runs) expect(examples.has(run.reference_example_id ?? "")).toBe(true);
    const feedback = [];
    for await (const f of client.listFeedback({ runIds: runs.map((x) => x.id) })) feedback.push(f);
    expect(feedback).toHaveLength(54);
    const keys = feedback.map((f) => f.key).sort();
    expect(new Set(keys)).toEqual(new Set(["queue_match", "tier_known"]));
    const mean =
      feedback.filter((f) => f.key === "queue_match").reduce((a, f) => a + Number(f.score), 0) / 27;
    expect(mean).toBeCloseTo(queue?.mean ?? -1, 10);

    // A second eval on the same data reuses the dataset: two experiments on one dataset.
    const again = await run(
      "--json",
      "eval",
      "support-triage",
      "--data",
      holdout,
      "--experiment",
      "triage-again",
    );
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).experiment.datasetId).toBe(report.experiment.datasetId);
    const both = [];
    for await (const p of client.listProjects({ referenceDatasetId: report.experiment.datasetId }))
      both.push(p.name);
    expect(both.sort()).toEqual(["triage-again", "triage-holdout"]);
  }, 120_000);

  it("--gate exits 1 naming the failing condition, 0 when all hold; a typo in a metric is a usage error", async () => {
    const pass = await run(
      "eval",
      "support-triage",
      "--data",
      holdout,
      "--no-trace",
      "--gate",
      "accuracy>=0.9,queue_match>=0.9",
    );
    expect(pass.code, pass.stderr).toBe(0);
    expect(pass.stdout).toMatch(/gate passed: accuracy>=0\.9/);
    const fail = await run(
      "eval",
      "support-triage",
      "--data",
      holdout,
      "--no-trace",
      "--gate",
      "accuracy>=0.9,runs<=10",
    );
    expect(fail.code).toBe(1);
    expect(fail.stderr).toMatch(/^catena: gate failed: runs<=10 \(actual 27\)/);
    const typo = await run(
      "eval",
      "support-triage",
      "--data",
      holdout,
      "--no-trace",
      "--gate",
      "acuracy>=0.9",
    );
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/no metric acuracy in this report \(metrics: .*accuracy/);
  }, 60_000);

  it("refuses a gate on a metric the report will not have before running anything (no model call)", async () => {
    const before = server.requests.length;
    const typo = await run(
      "eval",
      "sql-qa",
      "--data",
      sqlData,
      "--no-llm-cache",
      "--evaluators",
      "schema_valid",
      "--gate",
      "schema_valid>=1,acuracy>=0.9",
    );
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/^catena: gate condition "acuracy>=0\.9": no metric acuracy .*schema_valid/);
    expect(typo.stdout).toBe("");
    expect(server.requests.length).toBe(before);
  }, 60_000);
});

describe("LLM judges: alignment before gates, cache, cost", () => {
  it("a gate refuses an unaligned judge; judge align records kappa; then the gate runs the judge", async () => {
    const refused = await run(
      "eval",
      "sql-qa",
      "--data",
      sqlData,
      "--no-trace",
      "--gate",
      "sql_answer_correct>=0.8",
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /judge sql_answer_correct has no alignment record for its current fingerprint [0-9a-f]{12}; a gate cannot trust it\. Run `catena judge align sql_answer_correct/,
    );
    const aligned = await run("--json", "judge", "align", "sql_answer_correct", "--labels", sqlLabels);
    expect(aligned.code, aligned.stderr).toBe(0);
    const report = JSON.parse(aligned.stdout) as {
      kappa: number;
      n: number;
      disagreements: Array<{ id: string }>;
    };
    // 6 agreed passes, 4 agreed fails, 2 planted false passes: observed 10/12, chance 8/12·6/12 + 4/12·6/12 = 1/2.
    expect(report.kappa).toBeCloseTo((10 / 12 - 0.5) / 0.5, 10);
    expect(report.disagreements.map((d) => d.id)).toEqual(["returned-not-cancelled", "march-all-years"]);
    const gated = await run(
      "--json",
      "eval",
      "sql-qa",
      "--data",
      sqlData,
      "--no-trace",
      "--gate",
      "sql_answer_correct>=0.8",
    );
    expect(gated.code, gated.stderr).toBe(0);
    const result = JSON.parse(gated.stdout) as {
      evaluation: {
        evaluators: Array<{ key: string; mean: number }>;
        cost: { chainUsd: number; judgeUsd: number };
      };
    };
    expect(result.evaluation.evaluators.find((e) => e.key === "sql_answer_correct")?.mean).toBeCloseTo(
      5 / 6,
      10,
    );
  }, 120_000);

  it("a re-run of an unchanged version makes no LLM call (chain and judge answers cached); judge cost is shown apart", async () => {
    const cwd = await mkdtemp(join(dir, "cache-"));
    const inCwd = (...args: string[]) => catena(args, { cwd, env });
    const first = await inCwd("--json", "eval", "sql-qa", "--data", sqlData, "--no-trace");
    expect(first.code, first.stderr).toBe(0);
    const cost = (r: { stdout: string }) =>
      (
        JSON.parse(r.stdout) as {
          evaluation: {
            cost: { chainUsd: number; judgeUsd: number; totalUsd: number; cachedUsd: number };
            tokens: { judgeInput: number };
          };
        }
      ).evaluation;
    expect(cost(first).cost.chainUsd).toBeGreaterThan(0);
    expect(cost(first).cost.judgeUsd).toBeGreaterThan(0);
    expect(cost(first).tokens.judgeInput).toBeGreaterThan(0);
    const before = server.chatRequests().length;
    const second = await inCwd("--json", "eval", "sql-qa", "--data", sqlData, "--no-trace");
    expect(second.code, second.stderr).toBe(0);
    expect(server.chatRequests().length - before).toBe(0);
    // Nothing spent; what the cached answers would cost uncached is said apart.
    expect(cost(second).cost).toEqual({
      chainUsd: 0,
      judgeUsd: 0,
      totalUsd: 0,
      cachedUsd: expect.any(Number),
    });
    expect(cost(second).cost.cachedUsd).toBeCloseTo(cost(first).cost.totalUsd, 10);
    expect(JSON.parse(second.stdout).evaluation.evaluators).toEqual(
      JSON.parse(first.stdout).evaluation.evaluators,
    );
  }, 120_000);

  it("--max-cost stops before the budget is passed and says so", async () => {
    const r = await run(
      "--json",
      "eval",
      "sql-qa",
      "--data",
      sqlData,
      "--no-trace",
      "--no-llm-cache",
      "--max-cost",
      "0.0001",
    );
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as {
      status: string;
      evaluation: { runs: number; planned: number; cost: { totalUsd: number } };
    };
    expect(report.status).toBe("stopped");
    expect(report.evaluation.runs).toBeLessThan(report.evaluation.planned);
    expect(r.stderr).toMatch(
      /^catena: stopped before overspending \(--max-cost\): a budget of 0\.0001 USD: \d+ of 6 items cost/,
    );
  }, 60_000);
});

describe("catena compare", () => {
  it("shows two versions side by side with regressions first, and gates on them", async () => {
    const r = await run(
      "compare",
      "support-triage@1.1.0",
      "support-triage@1.2.0",
      "--chains",
      nextTriage,
      "--data",
      holdout,
      "--gate",
      "accuracy>=0.9,regressions<=3",
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^compared support-triage@1\.1\.0 and support-triage@1\.2\.0 on 27 examples \(by queue_match\)/,
    );
    expect(r.stdout).toMatch(/regressions 5, improvements 0; McNemar exact p = 0\.0625/);
    expect(r.stdout).toMatch(/changed examples \(5: 5 regressions\):\n {2}regression/);
    expect(r.stderr).toMatch(
      /^catena: gate failed: accuracy>=0\.9 \(actual 0\.8148\), regressions<=3 \(actual 5\)/,
    );

    const json = await run(
      "--json",
      "compare",
      "support-triage@1.1.0",
      "support-triage@1.2.0",
      "--chains",
      nextTriage,
      "--data",
      holdout,
    );
    expect(json.code, json.stderr).toBe(0);
    const c = JSON.parse(json.stdout) as {
      experiments: Array<{ name: string; datasetId: string }>;
      regressions: number;
    };
    expect(c.regressions).toBe(5);
    // Both versions are experiments on the same dataset: LangSmith's comparison view shows them together.
    expect(c.experiments[0]?.datasetId).toBe(c.experiments[1]?.datasetId);
    const names = [];
    for await (const p of sdk().listProjects({ referenceDatasetId: c.experiments[0]?.datasetId ?? "" }))
      names.push(p.name);
    expect(names).toEqual(expect.arrayContaining(c.experiments.map((e) => e.name)));

    const same = await run(
      "compare",
      "support-triage",
      "support-triage@1.1.0",
      "--data",
      holdout,
      "--no-trace",
    );
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/compare needs two different versions; both are support-triage@1\.1\.0/);
  }, 120_000);
});

describe("catena judge align --labels feedback:<key>", () => {
  it("takes human verdicts given as feedback in the studio, with the experiment's references", async () => {
    const cwd = await mkdtemp(join(dir, "feedback-"));
    const traced = await catena(
      ["--json", "eval", "sql-qa", "--data", sqlData, "--experiment", "sql-for-review"],
      {
        cwd,
        env,
      },
    );
    expect(traced.code, traced.stderr).toBe(0);
    const client = sdk();
    const runs = await rootRuns(client, "sql-for-review");
    expect(runs).toHaveLength(6);
    // A reviewer marks every answer right except Germany's (the chain counted every customer).
    for (const r of runs) {
      const wrong = String((r.inputs as { text?: string }).text).includes("Germany");
      await client.createFeedback(r.id, "human_correct", { score: wrong ? 0 : 1, feedbackSourceType: "app" });
    }
    const aligned = await catena(
      ["--json", "judge", "align", "sql_answer_correct", "--labels", "feedback:human_correct"],
      {
        cwd,
        env,
      },
    );
    expect(aligned.code, aligned.stderr).toBe(0);
    const report = JSON.parse(aligned.stdout) as {
      n: number;
      kappa: number;
      confusion: Record<string, number>;
    };
    expect(report.n).toBe(6);
    expect(report.confusion).toEqual({
      truePositive: 5,
      falsePositive: 0,
      trueNegative: 1,
      falseNegative: 0,
    });
    expect(report.kappa).toBe(1);
  }, 120_000);

  it("reads the feedback from the local studio database when no backend is set, as catena traces does", async () => {
    // The studio of this file keeps its database open; the CLI opens the same file in-process.
    const local = { ...env, CATENA_STUDIO_URL: undefined, CATENA_STUDIO_DB: join(dir, "studio.db") };
    const cwd = await mkdtemp(join(dir, "local-"));
    const aligned = await catena(
      ["--json", "judge", "align", "sql_answer_correct", "--labels", "feedback:human_correct"],
      { cwd, env: local },
    );
    expect(aligned.code, aligned.stderr).toBe(0);
    expect(JSON.parse(aligned.stdout)).toMatchObject({ n: 6, kappa: 1 });
    const none = await catena(["judge", "align", "sql_answer_correct", "--labels", "feedback:nobody_gave"], {
      cwd,
      env: local,
    });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no feedback with key "nobody_gave"/);
  }, 120_000);

  it("a --labels file that does not exist is a usage error naming it", async () => {
    const r = await run("judge", "align", "sql_answer_correct", "--labels", "missing-labels.jsonl");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^catena: --labels missing-labels\.jsonl: no such file \(looked from .*\); give a \.jsonl file/,
    );
    expect(r.stderr).not.toMatch(/ENOENT/);
  });
});
