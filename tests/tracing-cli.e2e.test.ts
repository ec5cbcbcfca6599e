/*
 * End-to-end tests of tracing from the `catena` command: each test spawns the BUILT binary with no
 * LangSmith key and CATENA_STUDIO_DB pointing at a temporary database (the local studio, started
 * in-process by each command), or with LANGSMITH_API_KEY/LANGSMITH_ENDPOINT pointing at a studio,
 * a closed port or a server answering 500.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startStudio } from "@catena/studio";
import { Client } from "langsmith";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readRunTree } from "../packages/core/src/tracing/v2-run-reads.ts";
import { closedPort } from "./support/closed-port.ts";
import { ensureBuilt, repoRoot } from "./support/ensure-built.ts";
import { catena } from "./support/run-catena.ts";

const sampleJsonl = join(repoRoot, "packages/chains/data/support-triage/sample.jsonl");
const MESSAGE = "I was charged twice for order #A1234567 ($49.99), please refund one.";

let dir: string;
let env: Record<string, string>;
/** Runs catena on the test's own local-studio database. */
const cli = (...args: string[]) => catena(args, { cwd: dir, env });

interface Listed {
  runId: string;
  chain: string;
  version: string;
  status: string;
  tier?: string;
  feedback: Record<string, { count: number; meanScore?: number }>;
}

beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), "catena-tracing-cli-"));
  env = { CATENA_STUDIO_DB: join(dir, "studio.db") };
}, 180_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("catena run with the local studio", () => {
  let runId: string;

  beforeAll(async () => {
    const r = await cli("run", "support-triage", "--text", MESSAGE);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ queue: "billing", tier: "queue-rules" });
    expect(r.stderr).toBe("");
    const listed = await cli("traces", "--json");
    expect(listed.code).toBe(0);
    const runs = JSON.parse(listed.stdout) as Listed[];
    runId = runs[0]?.runId ?? "";
  }, 60_000);

  it("leaves a trace that catena traces lists with chain, version, status and tier", async () => {
    const r = await cli("traces", "--chain", "support-triage", "--since", "1h");
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    // Short ids (the random end of the UUID v7), no empty columns: 80 columns at most.
    expect(lines[0]).toMatch(/^RUN\s+AGE\s+CHAIN\s+STATUS\s+TIER\s+TIME$/);
    expect(lines[1]).toMatch(
      new RegExp(
        `^${runId.slice(-8)}\\s+\\d+[smhd]\\s+support-triage@\\d+\\.\\d+\\.\\d+\\s+done\\s+queue-rules\\s`,
      ),
    );
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
  });

  it("filters catena traces by status, tier and text", async () => {
    const deferred = await cli("run", "support-triage", "--text", "hello?");
    expect(deferred.code).toBe(0);
    const listed = async (...args: string[]) =>
      (JSON.parse((await cli("traces", "--json", ...args)).stdout) as Listed[]).map((r) => r.tier);
    expect(await listed("--tier", "fallback-other")).toEqual(["fallback-other"]);
    expect(await listed("--text", "CHARGED TWICE")).toEqual(["queue-rules"]);
    expect(await listed("--text", "hello?", "--status", "done")).toEqual(["fallback-other"]);
    expect(await listed("--status", "error")).toEqual([]);
    const none = await cli("traces", "--status", "deferred", "--chain", "support-triage");
    expect(none.stdout).toMatch(/^No traced deferred runs of support-triage in the local studio/);
    const bad = await cli("traces", "--status", "finished");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--status.*finished.*done, deferred, waiting, error, pending/);
  });

  it("shows the run's steps as a tree with catena trace", async () => {
    const r = await cli("trace", runId);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^support-triage@\\S+  run ${runId}  ·  done`));
    for (const step of ["normalize", "extract-entities", "type-entities", "urgency", "compose"]) {
      expect(r.stdout).toMatch(new RegExp(`[├└]─ ${step}\\s`));
    }
    // The cascade is a run of its own, its tiers under it, with confidence against the threshold.
    expect(r.stdout).toMatch(/├─ route\s+cascade\s+accepted\s+\S+ ms\s+tier queue-rules/);
    expect(r.stdout).toMatch(
      /│ {2}└─ queue-rules\s+regex\s+accepted\s+\S+ ms\s+confidence 0\.\d+ \(threshold 0\.95\)/,
    );
    // The run's input and output come first.
    expect(r.stdout).toContain(`input   ${JSON.stringify({ text: MESSAGE })}\n`);
    expect(r.stdout).toMatch(/\noutput {2}\{"queue":"billing","confidence":0\.98,/);
    // The short id catena traces shows is enough.
    const short = await cli("trace", runId.slice(-8));
    expect(short.code).toBe(0);
    expect(short.stdout).toBe(r.stdout);
    const json = JSON.parse((await cli("trace", runId, "--json")).stdout) as {
      runId: string;
      children: unknown[];
    };
    expect(json.runId).toBe(runId);
    expect(json.children).toHaveLength(6);
  });

  it("records feedback that catena feedback stats and catena traces then show", async () => {
    // The short id `catena traces` shows, as `catena trace` takes it.
    const given = await cli(
      "feedback",
      runId.slice(-8),
      "--key",
      "rating",
      "--score",
      "4",
      "--comment",
      "good",
    );
    expect(given.code).toBe(0);
    expect(given.stdout).toMatch(
      new RegExp(`^Feedback "rating" recorded on run ${runId} in the local studio \\([^()]+\\)\\.\n$`),
    );
    const stats = await cli("feedback", "stats", "--chain", "support-triage", "--key", "rating");
    expect(stats.code).toBe(0);
    expect(stats.stdout).toMatch(/^support-triage · feedback "rating" · \d+ runs? looked at\n/);
    expect(stats.stdout).toMatch(/COUNT\s+SCORED\s+MEAN\s+MIN\s+MAX\n1\s+1\s+4\.00\s+4\s+4\n$/);
    const byVersion = await cli(
      "feedback",
      "stats",
      "--chain",
      "support-triage",
      "--key",
      "rating",
      "--by",
      "version",
      "--per",
      "week",
      "--json",
    );
    const parsed = JSON.parse(byVersion.stdout) as {
      rows: Array<{ group: string; count: number; meanScore: number }>;
    };
    expect(parsed.rows).toEqual([
      expect.objectContaining({ group: expect.stringMatching(/^\d+\.\d+\.\d+$/), count: 1, meanScore: 4 }),
    ]);
    const listed = JSON.parse((await cli("traces", "--json")).stdout) as Listed[];
    expect(listed.find((r) => r.runId === runId)?.feedback).toEqual({ rating: { count: 1, meanScore: 4 } });
    expect((await cli("traces", "--tier", "queue-rules")).stdout).toContain("rating 4.0 (1)");
  }, 60_000);

  it("takes corrections as JSON and refuses feedback it cannot record, with exit code 2", async () => {
    const corrected = await cli(
      "feedback",
      runId,
      "--key",
      "correctness",
      "--score",
      "0",
      "--correction",
      '{"queue":"shipping"}',
      "--json",
    );
    expect(corrected.code).toBe(0);
    expect(JSON.parse(corrected.stdout)).toMatchObject({
      key: "correctness",
      score: 0,
      correction: { queue: "shipping" },
    });
    const noKey = await cli("feedback", runId, "--score", "1");
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/^catena: feedback needs --key/);
    const badJson = await cli("feedback", runId, "--key", "correctness", "--correction", "{queue");
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toMatch(/--correction is not valid JSON/);
    // The studio checks corrections against the chain's output schema: its 422 is a usage error
    // that says what is wrong, not "check that the backend runs there".
    const offSchema = await cli(
      "feedback",
      runId,
      "--key",
      "correctness",
      "--correction",
      '{"queue":"nope"}',
    );
    expect(offSchema.code).toBe(2);
    expect(offSchema.stderr).toMatch(
      /^catena: Feedback "correctness" on run \S+ was refused: The correction of run \S+ does not fit the output schema of chain support-triage@1\.1\.0.*\$\.queue must be one of/,
    );
    expect(offSchema.stderr).not.toMatch(/is reachable|Received status|\{"detail"/);
    const unknown = await cli(
      "feedback",
      "01900000-0000-7000-8000-000000000000",
      "--key",
      "rating",
      "--score",
      "1",
    );
    expect(unknown.code).toBe(2);
    // The message names the backend the user knows (the database), not the in-process server's port.
    const studio = `in the local studio (${join(dir, "studio.db")})`;
    expect(unknown.stderr).toContain(`catena: No run 01900000-0000-7000-8000-000000000000 ${studio}.`);
    const noTrace = await cli("trace", "01900000-0000-7000-8000-000000000000");
    expect(noTrace.code).toBe(2);
    expect(noTrace.stderr).toContain(`catena: No run 01900000-0000-7000-8000-000000000000 ${studio}.`);
    const noShort = await cli("trace", "abcd1234", "--json");
    expect(noShort.code).toBe(2);
    expect(JSON.parse(noShort.stdout)).toMatchObject({ status: "error", error: { code: "RUN_NOT_FOUND" } });
  });

  it("refuses feedback outside its key's config (rating is 1–5), before anything is stored", async () => {
    const tooHigh = await cli("feedback", runId, "--key", "rating", "--score", "999");
    expect(tooHigh.code).toBe(2);
    expect(tooHigh.stderr).toMatch(
      /^catena: Feedback "rating": score 999 is outside 1–5 .*give a score from 1 to 5/,
    );
    const set = await cli("feedback", "config", "verdict", "--categories", "1=right,0=wrong");
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/verdict: categorical 1 \(right\), 0 \(wrong\)/);
    const wrong = await cli("feedback", runId, "--key", "verdict", "--score", "7");
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/score 7 is not one of its categories/);
    expect((await cli("feedback", runId, "--key", "verdict", "--score", "1")).code).toBe(0);
    // A category's label scores as its value, so statistics over scores count it.
    const byLabel = await cli("feedback", runId, "--key", "verdict", "--value", "wrong", "--json");
    expect(byLabel.code).toBe(0);
    expect(JSON.parse(byLabel.stdout)).toMatchObject({ key: "verdict", value: "wrong", score: 0 });
    const shown = await cli("feedback", "config", "rating", "--json");
    expect(JSON.parse(shown.stdout)).toEqual({
      key: "rating",
      config: { type: "continuous", min: 1, max: 5 },
    });
    const stats = JSON.parse(
      (await cli("feedback", "stats", "--chain", "support-triage", "--key", "rating", "--json")).stdout,
    ) as {
      rows: Array<{ maxScore?: number }>;
    };
    expect(stats.rows.every((r) => r.maxScore === undefined || r.maxScore <= 5)).toBe(true);
  }, 60_000);

  it("fails feedback stats on an unknown chain the way catena run does", async () => {
    const run = await cli("run", "unknown", "--text", "x");
    const stats = await cli("feedback", "stats", "--chain", "unknown", "--key", "rating");
    expect(stats.code).toBe(run.code);
    expect(stats.code).toBe(2);
    expect(stats.stderr).toBe(run.stderr);
  });

  it("traces every item of a batch, and nothing with --no-trace", async () => {
    const before = (JSON.parse((await cli("traces", "--json", "--limit", "1000")).stdout) as Listed[]).length;
    const items = (await readFile(sampleJsonl, "utf8")).split("\n").filter((l) => l.trim() !== "").length;
    const batch = await cli(
      "batch",
      "support-triage",
      "--file",
      sampleJsonl,
      "--out",
      join(dir, "out.jsonl"),
    );
    expect(batch.code).toBe(0);
    const untraced = await cli("--no-trace", "run", "support-triage", "--text", "Where is my parcel?");
    expect(untraced.code).toBe(0);
    const after = (JSON.parse((await cli("traces", "--json", "--limit", "1000")).stdout) as Listed[]).length;
    expect(after - before).toBe(items);
  }, 60_000);

  it("says clearly when there is nothing to list", async () => {
    const r = await cli("traces", "--chain", "support-triage", "--since", "2099-01-01");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^No traced runs of support-triage in the local studio \(/);
    const bad = await cli("traces", "--since", "yesterday");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--since must be a span such as 30m, 1h, 7d/);
  });

  it("names CATENA_STUDIO_DB, not a --db that traces has not, when the database file is no database", async () => {
    await writeFile(join(dir, "not-a.db"), "garbage, not SQLite");
    const r = await catena(["traces"], {
      cwd: dir,
      env: { ...env, CATENA_STUDIO_DB: join(dir, "not-a.db") },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^catena: The studio database .*not-a\.db cannot be used: file is not a database\. Pass another path \(--db for catena studio, CATENA_STUDIO_DB for the other commands/,
    );
  });
});

describe("catena run with LANGSMITH_API_KEY", () => {
  const servers: Server[] = [];
  afterAll(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise((resolve) => s.close(resolve));
    }
  });

  it("traces through LANGSMITH_ENDPOINT, and the SDK's own client reads back what Catena traced", async () => {
    const studio = await startStudio({ port: 0, dbPath: join(dir, "langsmith.db") });
    try {
      const lsEnv = {
        LANGSMITH_API_KEY: "ls-test-key",
        LANGSMITH_ENDPOINT: studio.url,
        LANGSMITH_PROJECT: "cli-langsmith",
      };
      const r = await catena(["run", "support-triage", "--text", MESSAGE, "--json"], {
        cwd: dir,
        env: lsEnv,
      });
      expect(r.code).toBe(0);
      const { runId } = JSON.parse(r.stdout) as { runId: string };
      const sdk = new Client({ apiUrl: studio.url, apiKey: "ls-test-key" });
      const root = await readRunTree(sdk, runId);
      expect(root).toMatchObject({ id: runId, name: "support-triage", run_type: "chain" });
      expect(root?.extra?.metadata).toMatchObject({
        chain: "support-triage",
        status: "done",
        tier: "queue-rules",
      });
      expect(root?.child_runs?.map((c) => c.name)).toEqual([
        "normalize",
        "extract-entities",
        "type-entities",
        "urgency",
        "route",
        "compose",
      ]);
      const shown = await catena(["trace", runId], { cwd: dir, env: lsEnv });
      expect(shown.code).toBe(0);
      expect(shown.stdout).toContain("└─ queue-rules");
    } finally {
      await studio.close();
    }
  });

  it("says which variable is not an http(s) URL: a run goes on untraced, a reader stops", async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ CATENA_STUDIO_URL: "127.0.0.1:1984" }, "CATENA_STUDIO_URL"],
      [{ LANGSMITH_API_KEY: "k", LANGSMITH_ENDPOINT: "smith.example" }, "LANGSMITH_ENDPOINT"],
    ];
    for (const [env, variable] of cases) {
      const problem = `${variable} "[^"]+" is not an http\\(s\\) URL: give the full address, e\\.g\\. http://127\\.0\\.0\\.1:1984`;
      const ran = await catena(["run", "support-triage", "--text", MESSAGE], { cwd: dir, env });
      expect(ran.code).toBe(0);
      expect(ran.stderr).toMatch(
        new RegExp(`^catena: warning: running without tracing: ${problem}[^\\n]*\\n$`),
      );
      const readers = variable === "CATENA_STUDIO_URL" ? [["traces"], ["reviews"]] : [["traces"]];
      for (const args of readers) {
        const r = await catena(args, { cwd: dir, env });
        expect({ args, code: r.code }).toEqual({ args, code: 2 });
        expect(r.stderr).toMatch(new RegExp(`^catena: ${problem}[^\\n]*\\n$`));
      }
    }
  });

  it("still answers and exits normally when nothing listens at the endpoint", async () => {
    const port = await closedPort();
    // Exiting at all is the point: a tracer that held the process would end in the test's timeout.
    const r = await catena(["run", "support-triage", "--text", MESSAGE], {
      cwd: dir,
      env: { LANGSMITH_API_KEY: "k", LANGSMITH_ENDPOINT: `http://127.0.0.1:${port}` },
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ queue: "billing" });
    expect(r.stderr).toMatch(
      /^catena: warning: the trace was not sent: nothing listens at http:\/\/127\.0\.0\.1:\d+ \(connection refused\); check LANGSMITH_ENDPOINT and LANGSMITH_API_KEY; the run itself is unaffected\n$/,
    );
  });

  it("exits normally after its bounded flush when the endpoint answers 500", async () => {
    const server = createServer((req, res) => {
      req.resume();
      res.statusCode = 500;
      res.end('{"detail":"boom"}');
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    // The flush is bounded (5 s at most), so the process exits; one that hung would end in the
    // test's timeout instead, which is only a deadlock guard.
    const r = await catena(["run", "support-triage", "--text", MESSAGE], {
      cwd: dir,
      env: { LANGSMITH_API_KEY: "k", LANGSMITH_ENDPOINT: `http://127.0.0.1:${port}` },
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ queue: "billing" });
    expect(r.stderr).toMatch(/catena: warning: .*HTTP 500/);
  }, 60_000);
});

describe("catena run with CATENA_STUDIO_URL where no studio listens", () => {
  it("prints no trace link but a one-line warning: not sent, why, and how to start the studio", async () => {
    const port = await closedPort();
    const r = await catena(["run", "support-triage", "--text", MESSAGE], {
      cwd: dir,
      env: { CATENA_STUDIO_URL: `http://127.0.0.1:${port}` },
    });
    // The run's own result is untouched: same output, same exit code.
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ queue: "billing" });
    expect(r.stderr).not.toContain("trace:");
    expect(r.stderr).toMatch(
      /^catena: warning: the trace was not sent: nothing listens at http:\/\/127\.0\.0\.1:\d+ \(connection refused\); start the studio with `catena studio` or check CATENA_STUDIO_URL; the run itself is unaffected\n$/,
    );
  });
});
