import { type TrainableChain, trainableChains } from "@catena/chains";
import { builtinChainCatalog } from "@catena/chains/catalog";
import { TrainFromTracesError } from "./train-from-traces-error.ts";

/**
 * How to train a chain of one's own in code, as the refusal says it: the CLI cannot rebuild a
 * user's chain over new weights (its steps hold the models they were defined with).
 */
const TRAIN_IN_CODE =
  'train a chain of your own in code with @catena/core/ml: `const { classifier } = await trainClassifier(train, { labels, dev })` then `classifier.save("my.classifier")`, define its step as `classify("linear", { model: loadTextClassifier("my.classifier") })` (a knn step: a `VectorIndex` of `LocalEmbedder` vectors, `index.save(file)`), and choose its thresholds with `calibrate(chain, devItems, { targetPrecision: 0.97 })` and `writeThresholds`';

/**
 * The built-in trainable chain of that name; a `CHAIN_NOT_TRAINABLE` error otherwise, which says
 * whether a version was given (train and calibrate take names), a chains module was given, the name
 * is unknown, or the chain has no tiers the CLI can train, and lists the trainable ones. `command` is the one asking, as the
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
      ? TRAIN_IN_CODE
      : "calibrate a chain of your own in code with calibrate (@catena/core/ml)";
  const module = /\.[cm]?[jt]s$/i.test(name) || name.includes("/") || name.includes("\\");
  const message = module
    ? `${command} takes the name of a built-in trainable chain (${trainable.join(", ")}), not a chains module: ${name}; ${inCode}.`
    : bare !== undefined && trainable.includes(bare)
      ? `${command} takes a chain's name, not a version: give "${bare}" (it works on its current version, the latest loaded).`
      : `${builtinChainCatalog.some((c) => c.name === name) ? `chain "${name}" cannot be ${command === "train" ? "trained" : "calibrated"} from the CLI` : `no trainable chain is named "${name}"`} (trainable: ${trainable.join(", ")}); ${inCode}.`;
  throw new TrainFromTracesError("CHAIN_NOT_TRAINABLE", message, { details: { chain: name, trainable } });
}
