import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type OpenAiTestServer, startOpenAiTestServer } from "@catena/testing";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import type { BatchOptions } from "../batch/batch-types.ts";
import { runBatch } from "../batch/run-batch.ts";
import { defineChain } from "../compile/define-chain.ts";
import { CatenaError } from "../errors/catena-error.ts";
import { cascade } from "../flows/flow-nodes.ts";
import { auditReport } from "../monitor/audit-report.ts";
import { shadowReport } from "../monitor/shadow-report.ts";
import { code } from "../steps/code-step.ts";
import type { AuditOutcome } from "./audit-options.ts";
import { auditLlmServer, chainAt, gptTier, recordingTracer } from "./fixtures/audit-chain.ts";
import type { RunSnapshot } from "./run-types.ts";
import { resume, run } from "./runner.ts";
import { settleShadows } from "./shadow-run.ts";

let servers: OpenAiTestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function llmServer(delayMs = 0): Promise<OpenAiTestServer> {
  const s = await auditLlmServer(delayMs);
  servers.push(s);
  return s;
}

/** Texts the cheap tier answers ("money": billing at 0.95). */
const cheapTexts = (n: number) => Array.from({ length: n }, (_, i) => ({ text: `money question ${i}` }));

const code_ = (error: unknown) => (CatenaError.isInstance(error) ? error.code : error);

describe("audits in a batch", () => {
  it("keeps about `concurrency` audits in flight: the workers wait, no audit is dropped", async () => {
    const starts: number[] = [];
    const s = await startOpenAiTestServer(() => {
      starts.push(performance.now());
      return { json: { label: "billing" }, tokenLogprobs: { billing: Math.log(0.9) }, delayMs: 150 };
    });
    servers.push(s);
    const summary = await runBatch(chainAt(s.url), cheapTexts(12), { concurrency: 2, audit: { share: 1 } });
    expect(summary.done).toBe(12);
    expect(summary.audits?.calls).toBe(12);
    // Calls started within one call's time of each other were in flight together.
    const overlap = Math.max(...starts.map((t) => starts.filter((u) => u >= t && u < t + 140).length));
    expect(overlap).toBeLessThanOrEqual(4);
  });

  it("counts the audits' spend in the budget and starts none once the batch stopped", async () => {
    const s = await llmServer();
    const chain = chainAt(s.url);
    // Items come slowly, so that the first audit's cost is known before the source runs out.
    async function* slow() {
      for (const item of cheapTexts(30)) {
        await new Promise((r) => setTimeout(r, 25));
        yield item;
      }
    }
    const summary = await runBatch(chain, slow(), {
      concurrency: 1,
      maxCostUsd: 1e-9,
      audit: { share: 1 },
    });
    expect(summary.status).toBe("stopped");
    expect(summary.done).toBeLessThan(30);
    expect(summary.audits?.calls).toBeGreaterThan(0);
    const after = s.requests.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(s.requests).toHaveLength(after);
  });

  it("starts no audit after an abort, and hears none once runBatch returned", async () => {
    const s = await llmServer(50);
    const chain = chainAt(s.url);
    const controller = new AbortController();
    let heard = 0;
    let returned = false;
    let lateHeard = 0;
    async function* source() {
      for (const [i, item] of cheapTexts(20).entries()) {
        if (i === 3) controller.abort();
        await new Promise((r) => setTimeout(r, 10));
        yield item;
      }
    }
    const summary = await runBatch(chain, source(), {
      concurrency: 1,
      signal: controller.signal,
      audit: {
        share: 1,
        onAudit: () => {
          heard++;
          if (returned) lateHeard++;
        },
      },
    });
    returned = true;
    expect(summary.status).toBe("aborted");
    expect(heard).toBeLessThanOrEqual(3);
    await new Promise((r) => setTimeout(r, 150));
    expect(lateHeard).toBe(0);
    expect(s.requests.length).toBeLessThanOrEqual(3);
  });

  it("waits for its own background runs only: a lone run's slow audit does not hold a batch", async () => {
    const slow = await llmServer(1_500);
    const fast = await llmServer();
    void run(chainAt(slow.url), { text: "money" }, { audit: { share: 1, timeoutMs: 5_000 } });
    const t0 = performance.now();
    const summary = await runBatch(chainAt(fast.url), cheapTexts(3), { audit: { share: 1 } });
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(summary.audits?.calls).toBe(3);
    await settleShadows();
  });

  it("audits the same items across a checkpoint resume as in one go", async () => {
    const s = await llmServer();
    const chain = chainAt(s.url);
    const items = cheapTexts(40);
    const dir = await mkdtemp(join(tmpdir(), "catena-audit-"));
    const audited = (into: Set<string>) => ({
      share: 0.3,
      seed: 7,
      onAudit: (a: AuditOutcome) => {
        if (a.agreed !== undefined) into.add(a.runId);
      },
    });
    try {
      const once = new Set<string>();
      const all = await runBatch(chain, items, { collect: true, audit: audited(once) });
      const indexOf = (summary: typeof all, ids: Set<string>) =>
        (summary.results ?? [])
          .filter((r) => ids.has((r as { runId?: string }).runId ?? ""))
          .map((r) => r.index)
          .sort((x, y) => x - y);
      const path = join(dir, "out.jsonl");
      const controller = new AbortController();
      const first = new Set<string>();
      const cut = await runBatch(chain, items, {
        checkpoint: path,
        collect: true,
        concurrency: 1,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.done >= 20) controller.abort();
        },
        audit: audited(first),
      });
      expect(cut.status).toBe("aborted");
      const second = new Set<string>();
      const rest = await runBatch(chain, items, {
        checkpoint: path,
        resume: true,
        collect: true,
        audit: audited(second),
      });
      const expected = indexOf(all, once);
      expect(expected.length).toBeGreaterThan(4);
      // Audits in flight at the abort are lost (their items are done): the rest are the same.
      const resumed = [...indexOf(cut, first), ...indexOf(rest, second)].sort((x, y) => x - y);
      for (const i of resumed) expect(expected).toContain(i);
      expect(indexOf(rest, second)).toEqual(expected.filter((i) => i >= (cut.results?.length ?? 0)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("starts no audits inside shadow runs, and the shadow report does not count audits", async () => {
    const s = await llmServer();
    const { tracer, roots } = recordingTracer();
    const summary = await runBatch(chainAt(s.url), cheapTexts(4), {
      tracer,
      // The candidate has audits of its own by default: a shadow run still starts none.
      shadow: { chain: chainAt(s.url, { share: 1 }) },
      audit: { share: 1 },
    });
    expect(summary.audits?.calls).toBe(4);
    const audits = roots.filter((r) => r.tags?.includes("audit"));
    expect(audits).toHaveLength(4);
    for (const a of audits)
      expect(Object.keys(a.metadata ?? {}).some((k) => k.startsWith("shadow"))).toBe(false);
    const report = shadowReport(
      roots.map((r) => ({
        runId: r.runId,
        text: "",
        status: "done",
        metadata: r.metadata ?? {},
        ...(r.outputs === undefined ? {} : { outputs: r.outputs as Record<string, unknown> }),
      })),
    );
    expect(report.pairs).toBe(4);
  });

  it("refuses audit with a queue, and bad audit options on resume", async () => {
    const chain = chainAt("http://127.0.0.1:9");
    const queue = { open: () => Promise.reject(new Error("not opened")) } as unknown as NonNullable<
      BatchOptions["queue"]
    >;
    const queued = await runBatch(chain, cheapTexts(1), { queue, audit: { share: 0.1 } }).catch((e) => e);
    expect(code_(queued)).toBe("INVALID_AUDIT_OPTIONS");
    expect((queued as Error).message).toMatch(/queue/);
    const resumed = await resume(chain, {} as RunSnapshot, undefined as never, { audit: { share: 0 } }).catch(
      (e) => e,
    );
    expect(code_(resumed)).toBe("INVALID_AUDIT_OPTIONS");
  });
});

describe("audits of one run", () => {
  it("records whether the LLM's answer passes the LLM tier's own bar (its accept predicate)", async () => {
    const s = await llmServer();
    const seen: AuditOutcome[] = [];
    for (const pass of [false, true])
      await run(
        chainAt(s.url, undefined, () => pass),
        { text: "money" },
        {
          audit: { share: 1, onAudit: (a) => seen.push(a) },
        },
      );
    await settleShadows();
    expect(seen.map((a) => a.auditAccepted)).toEqual([false, true]);
  });

  it("never fails a done run: an input JSON cannot write is simply not audited", async () => {
    const s = await llmServer();
    const cheap = code("sure", (_: { text: string; n: bigint }) => ({ label: "other", confidence: 0.99 }));
    const tier = gptTier(s.url);
    const chain = defineChain({
      name: "big",
      version: "1.0.0",
      input: z.object({ text: z.string(), n: z.bigint() }),
      output: z.object({ label: z.string() }).passthrough(),
      flow: cascade<[{ step: typeof cheap; threshold: number }, typeof tier], { text: string; n: bigint }>(
        "big",
        [{ step: cheap, threshold: 0.5 }, tier],
        {
          audit: { share: 0.5 },
        },
      ),
    });
    const r = await run(chain, { text: "x", n: 10n });
    await settleShadows();
    expect(r.status).toBe("done");
  });

  it("leaves the fingerprint alone: a cascade's audit option is not part of it", async () => {
    expect(chainAt("http://127.0.0.1:9", { share: 0.5 }).fingerprint).toBe(
      chainAt("http://127.0.0.1:9").fingerprint,
    );
  });

  it("refuses a report level outside (0.5, 1)", () => {
    for (const level of [1, 0.5, 95]) {
      let error: unknown;
      try {
        auditReport([], { level });
      } catch (e) {
        error = e;
      }
      expect(code_(error)).toBe("INVALID_AUDIT_OPTIONS");
    }
  });
});
