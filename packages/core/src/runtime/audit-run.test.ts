import { type OpenAiTestServer, startOpenAiTestServer } from "@catena/testing";
import { afterEach, describe, expect, it } from "vitest";
import { runBatch } from "../batch/run-batch.ts";
import { CatenaError } from "../errors/catena-error.ts";
import type { AuditOptions, AuditOutcome } from "./audit-options.ts";
import { auditProbability } from "./audit-sampling.ts";
import { auditLlmServer, chainAt, recordingTracer } from "./fixtures/audit-chain.ts";
import { run } from "./runner.ts";
import { settleShadows } from "./shadow-run.ts";

let server: OpenAiTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function llmServer(delayMs = 0): Promise<OpenAiTestServer> {
  server = await auditLlmServer(delayMs);
  return server;
}

const texts = [
  "I want my money back for the refund",
  "where is my parcel, it has been weeks now and nothing",
  "money money money refund",
  "hello there, a question about opening hours of the branch",
  "I need a refund for the parcel, it arrived broken",
];

describe("audit sampling", () => {
  it("asks the real LLM tier on accepted cheap answers, traced with the audit tag, output unchanged", async () => {
    const s = await llmServer();
    const chain = chainAt(s.url);
    const { tracer, roots } = recordingTracer();
    const seen: AuditOutcome[] = [];
    const plain = await Promise.all(texts.map((text) => run(chain, { text })));
    const calls = s.requests.length;
    const audited = await Promise.all(
      texts.map((text) =>
        run(chain, { text }, { tracer, audit: { share: 1, onAudit: (a) => seen.push(a) } }),
      ),
    );
    await settleShadows();
    expect(audited.map((r) => r.output)).toEqual(plain.map((r) => r.output));
    expect(calls).toBe(0); // every text is answered by the cheap tier
    expect(s.requests).toHaveLength(5);
    const audits = roots.filter((r) => r.tags?.includes("audit"));
    expect(audits).toHaveLength(5);
    for (const a of audits) {
      expect(a.name).toBe("intent");
      expect(a.metadata).toMatchObject({ audit: true, audit_cascade: "intent", audit_tier: "keywords" });
      expect(audited.map((r) => r.runId)).toContain(a.metadata?.audit_of);
      expect(a.outputs).toMatchObject({ tier: "gpt" });
    }
    // The cheap tier calls the broken parcel's refund "other"; the LLM says "billing".
    expect(seen.filter((a) => a.agreed === false)).toMatchObject([
      { label: "other", auditLabel: "billing", tier: "keywords", cascade: "intent" },
    ]);
    expect(seen.every((a) => a.auditTier === "gpt" && a.probability === 1)).toBe(true);
    expect(seen.every((a) => a.usage.inputTokens > 0)).toBe(true);
  });

  it("audits the same items on every run with the same seed, other items with another", async () => {
    const s = await llmServer();
    const chain = chainAt(s.url);
    const many = Array.from({ length: 60 }, (_, i) => `question number ${i} about my money`);
    const pick = async (seed: string) => {
      const ids: string[] = [];
      await Promise.all(
        many.map((text) =>
          run(chain, { text }, { audit: { share: 0.3, seed, onAudit: () => ids.push(text) } }),
        ),
      );
      await settleShadows();
      return ids.sort();
    };
    const first = await pick("a");
    expect(await pick("a")).toEqual(first);
    expect(first.length).toBeGreaterThan(5);
    expect(first.length).toBeLessThan(35);
    expect(await pick("b")).not.toEqual(first);
  });

  it("never delays the output: the run ends while its audit waits for a slow LLM", async () => {
    const s = await llmServer(400);
    const chain = chainAt(s.url);
    const t0 = performance.now();
    const result = await run(chain, { text: texts[0] as string }, { audit: { share: 1 } });
    expect(result.status).toBe("done");
    expect(performance.now() - t0).toBeLessThan(300);
    await settleShadows();
    expect(s.requests).toHaveLength(1);
  });

  it("bounds an audit by its timeout: a hanging LLM is reported as a failed audit", async () => {
    server = await startOpenAiTestServer(() => ({ hang: true }));
    const chain = chainAt(server.url);
    const seen: AuditOutcome[] = [];
    const t0 = performance.now();
    await run(
      chain,
      { text: texts[0] as string },
      { audit: { share: 1, timeoutMs: 150, onAudit: (a) => seen.push(a) } },
    );
    await settleShadows();
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(seen).toMatchObject([{ status: "error", tier: "keywords" }]);
    expect(seen[0]?.agreed).toBeUndefined();
  });

  it("leaves the LLM tier's own answers unaudited", async () => {
    const s = await llmServer();
    const chain = chainAt(s.url);
    const seen: AuditOutcome[] = [];
    // Short, no "money": confidence 0.5, below the cheap tier's threshold: the LLM answers it.
    const r = await run(chain, { text: "refund?" }, { audit: { share: 1, onAudit: (a) => seen.push(a) } });
    await settleShadows();
    expect(r.output).toMatchObject({ tier: "gpt" });
    expect(seen).toEqual([]);
    expect(s.requests).toHaveLength(1);
  });

  it("takes the cascade's own audit options, counted apart in a batch's summary", async () => {
    const s = await llmServer();
    const chain = chainAt(s.url, { share: 1 });
    const summary = await runBatch(
      chain,
      [...texts, "refund?"].map((text) => ({ text })),
    );
    expect(summary.done).toBe(6);
    expect(summary.audits).toMatchObject({ calls: 5, agreed: 4, disagreed: 1, failed: 0 });
    expect(summary.audits?.byTier).toEqual({ "intent/keywords": { calls: 5, agreed: 4 } });
    expect(summary.audits?.usage.inputTokens).toBeGreaterThan(0);
    // The chain's own usage is the one LLM answer it gave ("refund?"), not the audits'.
    expect(s.requests).toHaveLength(6);
    expect(summary.usage.inputTokens).toBeGreaterThan(0);
    expect(summary.usage.inputTokens).toBeLessThan(summary.audits?.usage.inputTokens ?? 0);
  });

  it("prefers the least confident answers with pick: uncertain", () => {
    expect(auditProbability("random", 0.2, 0.99, 0.6)).toBe(0.2);
    expect(auditProbability("uncertain", 0.2, 0.6, 0.6)).toBeCloseTo(0.35);
    expect(auditProbability("uncertain", 0.2, 1, 0.6)).toBeCloseTo(0.05);
    expect(auditProbability("uncertain", 1, 1, 0.6)).toBe(1);
  });

  it.each([
    [{ share: 0 }, /audit\.share must be a number above 0 and at most 1, got 0/],
    [{ share: 30 }, /for 30%, write 0\.3/],
    [{ share: Number.NaN }, /got NaN/],
    [{ share: 0.1, pick: "sure" }, /audit\.pick must be "random" or "uncertain"/],
    [{ share: 0.1, timeoutMs: -1 }, /audit\.timeoutMs/],
  ])("refuses audit options %j with INVALID_AUDIT_OPTIONS", async (audit, message) => {
    const chain = chainAt("http://127.0.0.1:9");
    const refused = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const runError = await run(chain, { text: "x" }, { audit: audit as AuditOptions }).catch(
      (e: unknown) => e,
    );
    for (const error of [
      runError,
      await runBatch(chain, [{ text: "x" }], { audit: audit as AuditOptions }).catch((e: unknown) => e),
      refused(() => chainAt("http://127.0.0.1:9", audit as AuditOptions)),
    ]) {
      expect(CatenaError.isInstance(error) && error.code).toBe("INVALID_AUDIT_OPTIONS");
      expect((error as Error).message).toMatch(message);
    }
  });
});
