/*
 * The built-in chains by name, each loaded on demand: `catena run support-triage` should not load
 * the banking models' code or the SQLite machinery of sql-qa. Importing this module loads no chain.
 */
import type { AnyChain } from "@catena/core";

/** One built-in chain: its name, known without loading it, and how to load it. */
export interface BuiltinChainEntry {
  readonly name: string;
  load(): Promise<AnyChain>;
}

/** Every chain this package ships, in the order of `builtinChains`. */
export const builtinChainCatalog: readonly BuiltinChainEntry[] = [
  { name: "support-triage", load: async () => (await import("./support-triage/chain.ts")).supportTriage },
  { name: "sql-qa", load: async () => (await import("./sql-qa/chain.ts")).sqlQa },
  { name: "banking-intents", load: async () => (await import("./banking-intents/chain.ts")).bankingIntents },
];
