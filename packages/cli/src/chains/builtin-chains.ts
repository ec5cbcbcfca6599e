import { builtinChainCatalog } from "@catena/chains/catalog";
import type { AnyChain } from "@catena/core";

/**
 * The ready-made chains of `@catena/chains`, always available to the CLI. Given the name of one of
 * them, only that chain is loaded: each chain's module costs start-up time, and the banking models'
 * or sql-qa's code has no business in `catena run support-triage`. Any other name loads them all, so
 * that "chain not found" can list them.
 */
export async function loadBuiltinChains(name?: string): Promise<readonly AnyChain[]> {
  const named = builtinChainCatalog.filter((entry) => entry.name === name);
  const wanted = named.length > 0 ? named : builtinChainCatalog;
  return Promise.all(wanted.map((entry) => entry.load()));
}
