import { type TrainableChain, trainableChains } from "@catena/chains";
import { TrainFromTracesError } from "./train-from-traces-error.ts";

/** The built-in trainable chain of that name; a `CHAIN_NOT_TRAINABLE` error listing the trainable ones otherwise. */
export function trainableChainNamed(name: string): TrainableChain {
  const found = trainableChains.find((t) => t.name === name);
  if (!found) {
    throw new TrainFromTracesError(
      "CHAIN_NOT_TRAINABLE",
      `chain "${name}" cannot be trained from the CLI (trainable: ${trainableChains.map((t) => t.name).join(", ")}); train your own chain's tiers in code with trainClassifier.`,
      { details: { chain: name, trainable: trainableChains.map((t) => t.name) } },
    );
  }
  return found;
}
