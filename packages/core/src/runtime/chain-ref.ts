import type { AnyChain } from "../compile/chain.ts";
import type { ChainRef } from "../types.ts";

const REFS = new WeakMap<AnyChain, ChainRef>();
/** The last chain asked about: a batch asks for the same chain's ref once per item. */
let lastChain: AnyChain | undefined;
let lastRef: ChainRef | undefined;

/**
 * The chain's name, version and fingerprint, the fingerprint read only when someone reads it (a
 * result printed as JSON, a checkpoint, a trace): computing it parses every code step's source.
 * One per chain, shared by its runs (frozen, since every result holds it): an object with a getter
 * costs more to build than the rest of a short run's bookkeeping.
 */
export function chainRef(chain: AnyChain): ChainRef {
  if (chain === lastChain) return lastRef as ChainRef;
  let ref = REFS.get(chain);
  if (ref === undefined) {
    ref = Object.freeze({
      name: chain.name,
      version: chain.version,
      get fingerprint() {
        return chain.fingerprint;
      },
    });
    REFS.set(chain, ref);
  }
  lastChain = chain;
  lastRef = ref;
  return ref;
}
