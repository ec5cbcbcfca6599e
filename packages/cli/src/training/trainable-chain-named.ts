import { type TrainableChain, trainableChains } from "@catena/chains";
import { builtinChainCatalog } from "@catena/chains/catalog";
import { IMPORT_META_URL_TEXT } from "@catena/core/ml";
import type { LoadedChains } from "../chains/load-chains.ts";
import { TrainFromTracesError } from "./train-from-traces-error.ts";

/**
 * How to make a chain of one's own trainable, as the refusals say it: the CLI cannot rebuild a
 * user's chain over new weights itself (its steps hold the models they were defined with), so the
 * user's module exports a trainer that can.
 */
const HOW_TO_TRAIN = `to train a chain of your own, export a trainer beside it from its chains module (\`export const trainer = defineTextCascadeTrainer({ name, labels, module: ${IMPORT_META_URL_TEXT}, artifactsDir, split, chain })\` from @catena/core/ml, and \`export const chain = trainer.chainFor()\`) and give the module with --chains or list it in catena.config.json`;

/** The user's trainers and malformed trainer exports, as `loadChains` found them. */
export type UserTrainers = Pick<LoadedChains, "trainers" | "malformedTrainers">;

/**
 * The trainable chain of that name among the built-in ones and the trainers the user's chains
 * modules export (`user`). Otherwise a typed error: `TRAINER_MALFORMED` when a module exports a
 * trainer of that name that lacks members (it lists them), `TRAINER_AMBIGUOUS` when two trainers
 * take the name (it lists where each came from), and `CHAIN_NOT_TRAINABLE` when none does, which
 * says whether a version was given (train and calibrate take names), a chains module was given, the
 * name is unknown, or the chain has no trainer, and lists what is trainable and where from.
 * `command` is the one asking, as the message names it.
 */
export function trainableChainNamed(
  name: string,
  command: "train" | "calibrate" = "train",
  user: UserTrainers = { trainers: [], malformedTrainers: [] },
): TrainableChain {
  const all = [
    ...trainableChains.map((trainer) => ({ trainer, source: "built-in" })),
    ...user.trainers.filter((t) => !trainableChains.includes(t.trainer)),
  ];
  const found = all.filter((t) => t.trainer.name === name);
  const listed = all.map((t) => `${t.trainer.name} (${t.source})`);
  const trainable = all.map((t) => ({ name: t.trainer.name, source: t.source }));
  if (found.length > 1) {
    throw new TrainFromTracesError(
      "TRAINER_AMBIGUOUS",
      `${found.length} trainers are named "${name}": ${found.map((t) => t.source).join(", ")}; export one trainer per chain name (remove the other module from --chains or catena.config.json, or rename its chain).`,
      { details: { chain: name, sources: found.map((t) => t.source), trainable } },
    );
  }
  const [one] = found;
  if (one !== undefined) return one.trainer;
  const malformed = user.malformedTrainers.find((t) => t.name === name);
  if (malformed !== undefined) {
    throw new TrainFromTracesError(
      "TRAINER_MALFORMED",
      `the trainer "${name}" that ${malformed.source} exports is not a trainable chain: it lacks ${malformed.problems.join(", ")}; make it with defineTextCascadeTrainer (@catena/core/ml), or implement TrainableChain whole.`,
      { details: { chain: name, source: malformed.source, problems: malformed.problems, trainable } },
    );
  }
  const names = all.map((t) => t.trainer.name);
  const at = name.lastIndexOf("@");
  const bare = at > 0 ? name.slice(0, at) : undefined;
  const module = /\.[cm]?[jt]s$/i.test(name) || name.includes("/") || name.includes("\\");
  const message = module
    ? `${command} takes the name of a trainable chain (${listed.join(", ")}), not a chains module: ${name}; give the module with --chains <module> and the chain's name; ${HOW_TO_TRAIN}.`
    : bare !== undefined && names.includes(bare)
      ? `${command} takes a chain's name, not a version: give "${bare}" (it works on its current version, the latest loaded).`
      : `${builtinChainCatalog.some((c) => c.name === name) ? `chain "${name}" cannot be ${command === "train" ? "trained" : "calibrated"} from the CLI` : `no trainable chain is named "${name}"`} (trainable: ${listed.join(", ")}); ${HOW_TO_TRAIN}.`;
  throw new TrainFromTracesError("CHAIN_NOT_TRAINABLE", message, {
    details: { chain: name, trainable },
  });
}
