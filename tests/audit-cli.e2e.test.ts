/*
 * Audit sampling through the built binary, against a real studio over HTTP: `catena batch
 * banking-intents --audit` has the real ChatOpenAI (the OpenAI-compatible test server, wrong on
 * every tenth text) check a share of the cheap tiers' answers without changing the results; the
 * audits reach the studio tagged `audit` (read back with the langsmith SDK), `catena audit report`
 * measures each cheap tier's precision from them, and `catena train --from-traces` reads them as
 * LLM labels.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catena } from "./support/run-catena.ts";
import { gold, keyOf, TracedBanking, traffic, wrongTexts } from "./support/traced-banking.ts";

const traced = new TracedBanking();
const dir = traced.dir;
// 240 texts of the traffic: enough cheap-tier answers for a few dozen audits.
const items = traffic.slice(0, 240);
let printed = "";
let chainCalls = 0;

const resultsOf = (file: string) =>
  readFileSync(join(dir, file), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { index?: number; output?: unknown })
    .filter((r) => r.index !== undefined)
    .sort((a, b) => (a.index as number) - (b.index as number))
    .map((r) => r.output);

beforeAll(async () => {
  await traced.start();
  await traced.serveTraffic("plain", items);
  chainCalls = traced.server.requests.length;
  printed = await traced.serveTraffic("audited", items, {
    extra: ["--audit", "30%", "--audit-pick", "uncertain", "--audit-seed", "7"],
  });
}, 300_000);

afterAll(() => traced.close());

describe("audit sampling from the CLI", () => {
  it("leaves the results as they are, and counts the audit calls apart in the summary", async () => {
    expect(resultsOf("audited-out.jsonl")).toEqual(resultsOf("plain-out.jsonl"));
    const line = printed.split("\n").find((l) => l.trim().startsWith("audits:")) ?? "";
    const calls = Number(/audits: (\d+) LLM calls/.exec(line)?.[1]);
    // The audited batch made the chain's own LLM calls again, plus one per audit.
    expect(traced.server.requests.length - chainCalls).toBe(chainCalls + calls);
    expect(calls).toBeGreaterThan(20);
    expect(calls).toBeLessThan(items.length - chainCalls);
    expect(line).toMatch(/not in the cost above/);
  });

  it("traces each audit in the studio with the audit tag, the audited run and both labels", async () => {
    const roots: { id: string; tags?: string[]; metadata: Record<string, unknown>; outputs: unknown }[] = [];
    for await (const run of traced.client.listRuns({ projectName: "audited", isRoot: true }))
      roots.push({
        id: run.id,
        ...(run.tags === undefined ? {} : { tags: run.tags }),
        metadata: (run.extra as { metadata: Record<string, unknown> }).metadata,
        outputs: run.outputs,
      });
    const audits = roots.filter((r) => r.tags?.includes("audit"));
    const own = new Set(roots.filter((r) => !r.tags?.includes("audit")).map((r) => r.id));
    expect(own.size).toBe(items.length);
    expect(audits.length).toBeGreaterThan(20);
    for (const a of audits) {
      expect(own.has(a.metadata.audit_of as string)).toBe(true);
      expect(a.metadata).toMatchObject({ audit: true, audit_cascade: "intent", version: "1.0.0" });
      expect(["rules", "linear", "neighbours"]).toContain(a.metadata.audit_tier);
      expect(a.outputs).toMatchObject({ tier: "llm" });
    }
  });

  it("audit report measures each cheap tier's precision with its interval, and lists the disagreements", async () => {
    const r = await catena(
      ["--json", "audit", "report", "banking-intents", "--since", "1h", "--project", "audited"],
      {
        cwd: dir,
        env: traced.env("audited"),
        timeoutMs: 60_000,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.audits).toBeGreaterThan(20);
    expect(report.failed).toBe(0);
    // Keyed cascade/tier: two cascades may have tiers of the same name.
    const linear = report.byTier["intent/linear"];
    expect(linear.precision).toBeGreaterThan(0.5);
    expect(linear.interval.low).toBeLessThan(linear.precision);
    expect(linear.interval.high).toBeGreaterThanOrEqual(linear.precision);
    // Each disagreement is a cheap answer the (scripted) LLM labels otherwise: a wrong LLM label
    // (every tenth text) or a cheap tier's mistake against the gold label.
    for (const d of report.disagreements) {
      const key = keyOf(d.text);
      expect(wrongTexts.has(key) || gold.get(key) !== d.label).toBe(true);
    }
    const text = await catena(
      ["audit", "report", "banking-intents", "--since", "1h", "--project", "audited"],
      {
        cwd: dir,
        env: traced.env("audited"),
        timeoutMs: 60_000,
      },
    );
    expect(text.stdout).toMatch(/^banking-intents 1\.0\.0: \d+ audits of cheap-tier answers/);
    expect(text.stdout).toMatch(/all cheap tiers/);
  });

  it("sample leaves the audits out: they are not runs that served traffic", async () => {
    const r = await catena(
      [
        "--json",
        "sample",
        "banking-intents",
        "--n",
        "5",
        "--since",
        "1h",
        "--project",
        "audited",
        "--out",
        "s.jsonl",
      ],
      { cwd: dir, env: traced.env("audited"), timeoutMs: 60_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).runs).toBe(items.length);
  });

  it("train --from-traces reads the audits as LLM labels", async () => {
    const r = await catena(
      [
        "--json",
        "train",
        "banking-intents",
        "--from-traces",
        "--since",
        "1h",
        "--project",
        "audited",
        "--dev",
        "dev.csv",
      ],
      { cwd: dir, env: traced.env("audited"), timeoutMs: 300_000 },
    );
    // 0 when the candidate is promoted, 1 when its gate refuses it: either way a trained candidate.
    expect([0, 1], r.stderr).toContain(r.code);
    const result = JSON.parse(r.stdout);
    expect(result.traced.audits).toBeGreaterThan(20);
    expect(result.traced.runs).toBe(items.length);
    expect(result.traced.auditDisagreements).toBeLessThan(result.traced.audits);
  }, 300_000);

  it.each([
    [["--audit", "0"], /--audit must be a share above 0 to 1/],
    [["--audit", "30"], /did you mean 0\.3/],
    [["--audit", "0.2", "--audit-pick", "sure"], /--audit-pick must be random or uncertain/],
    [["--audit-pick", "uncertain"], /--audit-pick needs --audit <share>/],
    [["--audit", "0.2", "--queue", "redis://127.0.0.1:9"], /--audit does not work with --queue/],
  ])("refuses batch %j with exit 2 and the fix", async (args, message) => {
    const r = await catena(
      ["batch", "banking-intents", "--file", "plain.jsonl", "--out", "never.jsonl", ...args],
      { cwd: dir, env: traced.env("refused"), timeoutMs: 60_000 },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it.each([["1"], ["0.5"], ["100%"]])("refuses audit report --level %s with exit 2", async (level) => {
    const r = await catena(["audit", "report", "banking-intents", "--level", level], {
      cwd: dir,
      env: traced.env("refused"),
      timeoutMs: 60_000,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--level must be a confidence level above 0\.5 and below 1/);
  });
});
