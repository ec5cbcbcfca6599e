import { type TrainableChain, trainableChains } from "@catena/chains";
import { builtinChainCatalog } from "@catena/chains/catalog";
import { TrainFromTracesError } from "./train-from-traces-error.ts";

/**
 * The built-in trainable chain of that name; a `CHAIN_NOT_TRAINABLE` error otherwise, which says
 * whether a version was given (train and calibrate take names), the name is unknown, or the chain
 * has no tiers the CLI can train, and lists the trainable ones. `command` is the one asking, as the
 * message names it and its library function.
 */
export function trainableChainNamed(name: string, command: "train" | "calibrate" = "train"): TrainableChain {
  const found = trainableChains.find((t) => t.name === name);
  if (found) return found;
  const trainable = trainableChains.map((t) => t.name);
  const at = name.lastIndexOf("@");
  const bare = at > 0 ? name.slice(0, at) : undefined;
  const inCode =
    command === "train"
      ? "train the tiers of a chain of your own in code with trainClassifier"
      : "calibrate a chain of your own in code with calibrate (@catena/core/ml)";
  const message =
    bare !== undefined && trainable.includes(bare)
      ? `${command} takes a chain's name, not a version: give "${bare}" (it works on its current version, the latest loaded).`
      : `${builtinChainCatalog.some((c) => c.name === name) ? `chain "${name}" cannot be ${command === "train" ? "trained" : "calibrated"} from the CLI` : `no trainable chain is named "${name}"`} (trainable: ${trainable.join(", ")}); ${inCode}.`;
  throw new TrainFromTracesError("CHAIN_NOT_TRAINABLE", message, { details: { chain: name, trainable } });
}
