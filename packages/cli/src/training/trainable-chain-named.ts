import { type TrainableChain, trainableChains } from "@catena/chains";
import { builtinChainCatalog } from "@catena/chains/catalog";
import { TrainFromTracesError } from "./train-from-traces-error.ts";

/**
 * The built-in trainable chain of that name; a `CHAIN_NOT_TRAINABLE` error otherwise, which says
 * whether a version was given (train takes names), the name is unknown, or the chain has no tiers
 * the CLI can train, and lists the trainable ones.
 */
export function trainableChainNamed(name: string): TrainableChain {
  const found = trainableChains.find((t) => t.name === name);
  if (found) return found;
  const trainable = trainableChains.map((t) => t.name);
  const at = name.lastIndexOf("@");
  const bare = at > 0 ? name.slice(0, at) : undefined;
  const message =
    bare !== undefined && trainable.includes(bare)
      ? `train takes a chain's name, not a version: give "${bare}" (it works on its current version, the latest loaded).`
      : `${builtinChainCatalog.some((c) => c.name === name) ? `chain "${name}" cannot be trained from the CLI` : `no trainable chain is named "${name}"`} (trainable: ${trainable.join(", ")}); train the tiers of a chain of your own in code with trainClassifier.`;
  throw new TrainFromTracesError("CHAIN_NOT_TRAINABLE", message, { details: { chain: name, trainable } });
}
