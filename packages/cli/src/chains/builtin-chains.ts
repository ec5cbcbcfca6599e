import { builtinChains } from "@catena/chains";
import type { AnyChain } from "@catena/core";

/** The ready-made chains of `@catena/chains`, always available to the CLI. */
export function loadBuiltinChains(): readonly AnyChain[] {
  return builtinChains;
}
