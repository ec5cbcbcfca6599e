import { type TrainableChain, trainableChains } from "@catena/chains";
import { CliError } from "../cli-error.ts";

/** The built-in trainable chain of that name; a usage error listing the trainable ones otherwise. */
export function trainableChainNamed(name: string): TrainableChain {
  const found = trainableChains.find((t) => t.name === name);
  if (!found) {
    throw new CliError(
      `chain "${name}" cannot be trained from the CLI (trainable: ${trainableChains.map((t) => t.name).join(", ")}); train your own chain's tiers in code with trainClassifier.`,
    );
  }
  return found;
}
