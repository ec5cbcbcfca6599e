import type { ChainRegistry } from "@catena/core";

/** The chain whose traced runs a command reads, and the version its runs are narrowed to. */
export interface TracedChain {
  name: string;
  /** Given as `name@version`: only that version's runs. */
  version?: string;
}

/**
 * The chain a traces-reading command (`skew`, `sample`, `shadow report`) is about: `name` or
 * `name@version`, refused as `catena run` refuses it (`CHAIN_NOT_FOUND`, exit 2, with the known
 * chains) when no loaded chain has that name and version, so that a typo is not reported as a chain
 * with no runs.
 */
export function tracedChain(registry: ChainRegistry, ref: string): TracedChain {
  const chain = registry.get(ref);
  return ref.lastIndexOf("@") > 0 ? { name: chain.name, version: chain.version } : { name: chain.name };
}

/** The runs of `chain`'s version when one was named, else all of them. */
export function ofVersion<T extends { version?: string }>(runs: readonly T[], chain: TracedChain): T[] {
  return chain.version === undefined ? [...runs] : runs.filter((r) => r.version === chain.version);
}
