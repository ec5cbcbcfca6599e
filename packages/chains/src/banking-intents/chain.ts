/*
 * The banking-intents chain: Banking77 queries labelled by a calibrated cascade of near-certain
 * regex rules, a classifier (a perceptron averaged with a logistic regression over TF-IDF n-grams,
 * mixed with the vote of the nearest training texts in the perceptron's hidden space; its tier keeps
 * the name "linear" that thresholds files use), a kNN vote over LocalEmbedder vectors
 * and, for the rest, an LLM.
 * Thresholds come from thresholds.json (chosen by `catena calibrate` on the dev split at 97%
 * target precision) and the trained tiers' hashes from manifest.json: both are fingerprinted.
 */
import { existsSync } from "node:fs";
import { cascade, classify, code, defineChain, flow, knn, llm } from "@catena/core";
import { NEVER_ACCEPT, readThresholds } from "@catena/core/ml";
import { z } from "zod";
import { artifactPath, BANKING_ARTIFACTS_DIR, readBankingManifest } from "./banking-artifacts.ts";
import { INTENT_PROMPT } from "./intent-prompt.ts";
import { INTENTS } from "./intents.ts";
import { LazyBankingModels } from "./lazy-banking-models.ts";
import { intentRules } from "./rules.ts";

/** The LLM tier's model unless `CATENA_BANKING_MODEL` names another (pin a dated snapshot). */
export const DEFAULT_BANKING_MODEL = "openai:gpt-4.1-mini-2025-04-14";

/** The cheap tiers, in cascade order: the ones `calibrate` sets thresholds for. */
export const CHEAP_TIERS = ["rules", "linear", "neighbours"] as const;

/** Input of {@link bankingIntents}: one customer query (other keys, e.g. a `label`, are ignored). */
export const bankingIntentsInput = z.object({ text: z.string().min(1).max(2000) });

/** Output of {@link bankingIntents}. */
export const bankingIntentsOutput = z.object({
  label: z.enum(INTENTS),
  /** Calibrated confidence of the answering tier, in [0, 1]. */
  confidence: z.number().min(0).max(1),
  /** The tier that answered: `rules`, `linear`, `neighbours` or `llm`. */
  tier: z.string(),
});

/** Input of {@link bankingIntents}. */
export type BankingIntentsInput = z.input<typeof bankingIntentsInput>;
/** Output of {@link bankingIntents}. */
export type BankingIntentsOutput = z.output<typeof bankingIntentsOutput>;

/** Options of {@link createBankingIntents}. */
export interface BankingIntentsOptions {
  /** Folder with manifest.json, thresholds.json and the trained tiers (default: the package's own). */
  artifactsDir?: string;
  /** The LLM tier's model (default `CATENA_BANKING_MODEL`, else {@link DEFAULT_BANKING_MODEL}). */
  model?: string;
  /** Version to declare: bump it when retraining or recalibrating changes the fingerprint. */
  version?: string;
  /**
   * Leave the LLM tier out: what no cheap tier accepts is deferred. For measuring the cheap tiers
   * offline (`catena train --from-traces` compares versions so, calling no model).
   */
  withoutLlm?: boolean;
}

/** The artifacts folder and options each chain made by {@link createBankingIntents} was defined with. */
const definitions = new WeakMap<object, BankingIntentsOptions & { artifactsDir: string }>();

/**
 * The options a banking-intents chain was made with (its artifacts folder among them); undefined
 * for a chain {@link createBankingIntents} did not make.
 */
export function bankingIntentsOptionsOf(
  chain: object,
): Readonly<BankingIntentsOptions & { artifactsDir: string }> | undefined {
  return definitions.get(chain);
}

/**
 * Defines the banking-intents chain over an artifacts folder. Without a thresholds.json there (a
 * freshly trained folder) every cheap tier gets `NEVER_ACCEPT` until `catena calibrate` writes one.
 *
 * @example
 * const chain = createBankingIntents({ artifactsDir: "out/banking" });
 */
export function createBankingIntents(options: BankingIntentsOptions = {}) {
  const dir = options.artifactsDir ?? BANKING_ARTIFACTS_DIR;
  const models = new LazyBankingModels(dir, readBankingManifest(dir));
  const thresholdsFile = artifactPath(dir, "thresholds");
  const t = existsSync(thresholdsFile)
    ? readThresholds(thresholdsFile, CHEAP_TIERS)
    : { rules: NEVER_ACCEPT, linear: NEVER_ACCEPT, neighbours: NEVER_ACCEPT };
  const model = options.model ?? process.env.CATENA_BANKING_MODEL ?? DEFAULT_BANKING_MODEL;
  const { classifier, embedder, index } = models.manifest;
  const llmTier = llm("llm", { model, prompt: INTENT_PROMPT, labels: INTENTS, temperature: 0 });

  const chain = defineChain({
    name: "banking-intents",
    version: options.version ?? "1.0.0",
    description:
      "Labels an online-banking query with one of the 77 Banking77 intents: regex rules, an n-gram classifier (perceptron + logistic regression) and kNN answer when calibrated for 97% precision; the rest goes to an LLM (deferred with the best cheap guess when no provider is configured).",
    input: bankingIntentsInput,
    output: bankingIntentsOutput,
    flow: flow(bankingIntentsInput)
      // Loads the trained tiers (building them on first use) and tidies the query's whitespace.
      .pipe(
        code(
          "prepare",
          async ({ text }) => {
            await models.ready();
            return { text: text.normalize("NFKC").replace(/\s+/g, " ").trim() };
          },
          { spec: { models: [classifier.contentHash, embedder.contentHash, index.contentHash] } },
        ),
      )
      .pipe(
        cascade(
          "intent",
          [
            { step: intentRules, threshold: t.rules },
            { step: classify("linear", { model: models.classifier, top: 3 }), threshold: t.linear },
            {
              step: knn("neighbours", { index: models.index, embedder: models.embedder, k: 10 }),
              threshold: t.neighbours,
            },
            ...(options.withoutLlm === true ? [] : [llmTier]),
          ],
          { onExhausted: "deferred" },
        ),
      )
      // The cascade's answer as the chain's output; classify and knn labels are plain strings.
      .pipe(
        code("answer", (a) => ({
          label: a.label as BankingIntentsOutput["label"],
          confidence: Math.min(1, Math.max(0, a.confidence)),
          tier: a.tier,
        })),
      ),
    examples: [
      { text: "I still haven't received my new card, it's been two weeks." },
      { text: "Can I use Apple Pay with my card?" },
      { text: "Why was I charged a fee for withdrawing cash?" },
      { text: "My transfer to my landlord has been pending since Monday." },
    ],
  });
  definitions.set(chain, { ...options, artifactsDir: dir });
  return chain;
}

/** The banking-intents chain over the package's artifacts (see {@link createBankingIntents}). */
export const bankingIntents = createBankingIntents();
