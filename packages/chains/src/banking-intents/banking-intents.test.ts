import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunDeferred, run } from "@catena/core";
import { startOpenAiTestServer } from "@catena/testing";
import { afterAll, describe, expect, it } from "vitest";
import { supportTriage } from "../support-triage/chain.ts";
import { BANKING_ARTIFACTS_DIR, readBankingManifest } from "./banking-artifacts.ts";
import { BANKING77_DIR, bankingSplit } from "./banking-data.ts";
import { bankingIntentsTrainer } from "./banking-intents-trainer.ts";
import { buildBankingArtifacts } from "./build-banking-artifacts.ts";
import { bankingIntents, createBankingIntents } from "./chain.ts";
import { INTENTS } from "./intents.ts";
import { INTENT_RULES } from "./rules.ts";

const noProvider = { OPENAI_API_KEY: undefined, OPENAI_BASE_URL: undefined };
async function withEnv<T>(env: Record<string, string | undefined>, body: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  setEnv(env);
  try {
    return await body();
  } finally {
    setEnv(saved);
  }
}

function setEnv(env: Record<string, string | undefined>): void {
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

describe("banking-intents chain", () => {
  it("uses exactly the 77 Banking77 intents", () => {
    const categories = JSON.parse(readFileSync(join(BANKING77_DIR, "categories.json"), "utf8")) as string[];
    expect([...INTENTS]).toEqual([...categories].sort());
  });

  it("keeps only regex rules that are at least 99% precise on the training split", () => {
    const { train } = bankingSplit();
    for (const rule of INTENT_RULES) {
      const pattern = rule.pattern as RegExp;
      const hits = train.filter((e) => pattern.test(e.text));
      const right = hits.filter((e) => e.label === rule.label).length;
      expect(hits.length, rule.label).toBeGreaterThan(0);
      expect(right / hits.length, rule.label).toBeGreaterThanOrEqual(0.99);
    }
  });

  it("answers near-certain queries by rule and clear ones by the classifier", async () => {
    const byRule = await run(bankingIntents, { text: "Can I top up with Google Pay?" });
    expect(byRule.output).toEqual({ label: "apple_pay_or_google_pay", confidence: 1, tier: "rules" });
    const byClassifier = await run(bankingIntents, { text: "I still haven't received my new card" });
    expect(byClassifier.status).toBe("done");
    expect(byClassifier.output).toMatchObject({ label: "card_arrival", tier: "linear" });
    expect(byClassifier.output?.confidence).toBeGreaterThan(0.9);
  });

  it("defers a query no cheap tier is sure of, with its best cheap guess, when no LLM provider is configured", async () => {
    const r = await withEnv(noProvider, () => run(bankingIntents, { text: "hmm what about the thing" }));
    expect(r.status).toBe("deferred");
    const { deferred } = r as RunDeferred;
    expect(deferred.cascade).toBe("intent");
    expect(INTENTS).toContain(deferred.best?.result.label);
    expect(deferred.errors.at(-1)?.tier).toBe("llm");
  });

  it("sends the rest to the LLM tier, constrained to the 77 intents", async () => {
    const server = await startOpenAiTestServer(() => ({ json: { label: "card_arrival" } }));
    try {
      const r = await withEnv({ OPENAI_BASE_URL: server.url, OPENAI_API_KEY: "test" }, async () =>
        run(createBankingIntents(), { text: "hmm what about the thing" }),
      );
      expect(r.status).toBe("done");
      expect(r.output).toMatchObject({ label: "card_arrival", tier: "llm" });
      const request = server.requests.at(-1);
      expect(JSON.stringify(request)).toContain("transfer_not_received_by_recipient");
    } finally {
      await server.close();
    }
  });

  it("fingerprints the thresholds and the trained tiers' hashes", () => {
    const manifest = readBankingManifest(BANKING_ARTIFACTS_DIR);
    const spec = JSON.stringify(bankingIntents.flow);
    expect(spec).toContain(manifest.classifier.contentHash);
    expect(spec).toContain(manifest.index.contentHash);
    expect(bankingIntents.fingerprint).toBe(createBankingIntents().fingerprint);
    expect(createBankingIntents({ model: "openai:gpt-4.1-nano-2025-04-14" }).fingerprint).not.toBe(
      bankingIntents.fingerprint,
    );
  });
});

describe("banking-intents trainer", () => {
  it("refuses, with a typed error, to strip the LLM tier from a version it did not make", () => {
    expect(() => bankingIntentsTrainer.withoutLlm(supportTriage)).toThrow(
      expect.objectContaining({ code: "VERSION_NOT_TRAINABLE", details: { chain: supportTriage.id } }),
    );
  });
});

describe("banking-intents artifacts", () => {
  const dir = mkdtempSync(join(tmpdir(), "catena-banking-test-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("rebuild to the same bytes as the committed manifest records", async () => {
    const built = await buildBankingArtifacts(dir);
    expect(built).toEqual(readBankingManifest(BANKING_ARTIFACTS_DIR));
    // A freshly trained folder has no thresholds.json yet: no cheap tier may answer until calibrated.
    const chain = createBankingIntents({ artifactsDir: dir });
    const r = await withEnv(noProvider, () => run(chain, { text: "I still haven't received my new card" }));
    expect(r.status).toBe("deferred");
    expect((r as RunDeferred).deferred.best?.result.label).toBe("card_arrival");
    // Training takes ~10 s of CPU (perceptron, logistic regression, kNN index); a loaded 2-core
    // machine stretches that several times over in wall time.
  }, 240_000);
});
