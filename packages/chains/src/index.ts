/*
 * Public entry of @catena/chains: the ready-made chains and the folder of their data.
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { AnyChain } from "@catena/core";
import type { TrainableChain } from "@catena/core/ml";
import { bankingIntentsTrainer } from "./banking-intents/banking-intents-trainer.ts";
import { bankingIntents } from "./banking-intents/chain.ts";
import { sqlQa } from "./sql-qa/chain.ts";
import { supportTriage } from "./support-triage/chain.ts";

/** Re-exported from core, where the concept lives, for callers that import it from here. */
export type { TrainableChain, TrainProgress } from "@catena/core/ml";
export type { BankingManifest } from "./banking-intents/banking-artifacts.ts";
export { BANKING_ARTIFACTS_DIR } from "./banking-intents/banking-artifacts.ts";
export { BANKING77_CSV, bankingSplit, readBankingCsv } from "./banking-intents/banking-data.ts";
export { bankingIntentsTrainer } from "./banking-intents/banking-intents-trainer.ts";
export type {
  BankingIntentsInput,
  BankingIntentsOptions,
  BankingIntentsOutput,
} from "./banking-intents/chain.ts";
/**
 * Labels online-banking queries with the 77 Banking77 intents through a calibrated cascade
 * (rules → classifier → kNN → LLM); see the chain's own documentation.
 */
export {
  bankingIntents,
  bankingIntentsInput,
  bankingIntentsOutput,
  createBankingIntents,
  DEFAULT_BANKING_MODEL,
} from "./banking-intents/chain.ts";
export type { Intent } from "./banking-intents/intents.ts";
export { INTENT_DESCRIPTIONS, INTENTS } from "./banking-intents/intents.ts";
export type { BuiltinChainEntry } from "./builtin-catalog.ts";
export { builtinChainCatalog } from "./builtin-catalog.ts";
export type { SqlDraft, SqlQaInput, SqlQaOptions, SqlQaOutput } from "./sql-qa/chain.ts";
/**
 * Answers questions about a SQLite database with one guarded, read-only SELECT written by an LLM
 * (see the chain's own documentation).
 */
export {
  createSqlQa,
  DEFAULT_SQL_QA_MODEL,
  SHOP_DATABASE,
  sqlDraftSchema,
  sqlQa,
  sqlQaInput,
  sqlQaOutput,
} from "./sql-qa/chain.ts";
export type { SqlGuardRule } from "./sql-qa/sql-errors.ts";
export { SqlQueryError, SqlRejectedError } from "./sql-qa/sql-errors.ts";
export type { GuardedSql } from "./sql-qa/sql-guard.ts";
export type { SqliteQueryResult, SqliteQueryRunnerOptions } from "./sql-qa/sqlite-query-runner.ts";
export { SqliteQueryRunner } from "./sql-qa/sqlite-query-runner.ts";
export type { SupportTriageInput, SupportTriageOutput } from "./support-triage/chain.ts";
/**
 * Routes customer-support messages to a queue and extracts order ids, e-mails, amounts and dates,
 * without any LLM (see the chain's own documentation).
 */
export { supportTriage, supportTriageInput, supportTriageOutput } from "./support-triage/chain.ts";
export type { Entities } from "./support-triage/entities.ts";
export type { Queue } from "./support-triage/queues.ts";
export { QUEUES } from "./support-triage/queues.ts";

/** Every chain this package ships, for registries and the CLI (`catena run <name>`). */
export const builtinChains: AnyChain[] = [supportTriage, sqlQa, bankingIntents];

/** The built-in chains that `catena train` and `catena calibrate` can retrain and recalibrate. */
export const trainableChains: readonly TrainableChain[] = [bankingIntentsTrainer];

/**
 * Absolute path of the package's `data` folder (eval and sample data, one sub-folder per chain,
 * e.g. `support-triage/sample.jsonl`). Resolved from this module's location, so it is the same
 * whether the package runs from its TypeScript sources (`src/`) or its build (`dist/`).
 */
export const dataDir: string = resolve(dirname(fileURLToPath(import.meta.url)), "..", "data");
