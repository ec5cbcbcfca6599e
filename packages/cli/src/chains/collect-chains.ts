import type { AnyChain } from "@catena/core";
import { isChain } from "./is-chain.ts";

/**
 * Every chain a module exports: exported chains and arrays of chains (the default export
 * included), each once, in export order.
 */
export function collectChains(moduleNamespace: Record<string, unknown>): AnyChain[] {
  const found = new Set<AnyChain>();
  for (const value of Object.values(moduleNamespace)) {
    if (isChain(value)) found.add(value);
    else if (Array.isArray(value)) for (const item of value) if (isChain(item)) found.add(item);
  }
  return [...found];
}
