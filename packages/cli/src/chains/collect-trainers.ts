import type { TrainableChain } from "@catena/core/ml";
import { isChain } from "./is-chain.ts";

/** The members of a `TrainableChain` that are functions. */
const METHODS = [
  "readData",
  "split",
  "train",
  "chainFor",
  "withoutLlm",
  "chainModule",
  "thresholdsPath",
  "llmCostPerItemUsd",
] as const;

/**
 * The members only a trainer has: an export with a string `name` and one of them is meant as a
 * trainer (a `split`, `train` or `readData` alone is common on other objects).
 */
const TRAINER_MARKS = ["chainFor", "withoutLlm", "chainModule"] as const;

/** An export that is meant as a trainer (it has a name and some of a trainer's methods) but is not one. */
export interface MalformedTrainer {
  /** Its `name`, as `catena train <name>` would take it. */
  name: string;
  /** What it lacks or has of the wrong type: `train (a function)`, `labels (a list of strings)`. */
  problems: string[];
}

/** The trainers a module exports, and the exports that look meant as trainers but are malformed. */
export interface CollectedTrainers {
  trainers: TrainableChain[];
  malformed: MalformedTrainer[];
}

/**
 * Every trainable chain (`TrainableChain`, e.g. made by `defineTextCascadeTrainer`) a module
 * exports, alone or in arrays, each once, in export order. Checked by shape, as chains are, so that
 * trainers built against another copy of `@catena/core` are recognised too. An object with a string
 * `name` and a `chainFor`, `withoutLlm` or `chainModule` function, but not all of a trainer's members (or a bad `labels` or
 * `artifactsDir`), is listed as malformed, with what is wrong.
 */
export function collectTrainers(moduleNamespace: Record<string, unknown>): CollectedTrainers {
  const trainers = new Set<TrainableChain>();
  const malformed = new Map<object, MalformedTrainer>();
  const visit = (value: unknown): void => {
    if (typeof value !== "object" || value === null || isChain(value)) return;
    const v = value as Record<string, unknown>;
    if (typeof v.name !== "string" || !TRAINER_MARKS.some((m) => typeof v[m] === "function")) return;
    const problems = [
      ...(Array.isArray(v.labels) && v.labels.every((l) => typeof l === "string")
        ? []
        : ["labels (a list of strings)"]),
      ...(typeof v.artifactsDir === "string" ? [] : ["artifactsDir (a path)"]),
      ...METHODS.filter((m) => typeof v[m] !== "function").map((m) => `${m} (a function)`),
    ];
    if (problems.length === 0) trainers.add(value as TrainableChain);
    else malformed.set(value, { name: v.name, problems });
  };
  for (const value of Object.values(moduleNamespace)) {
    if (Array.isArray(value)) for (const item of value) visit(item);
    else visit(value);
  }
  return { trainers: [...trainers], malformed: [...malformed.values()] };
}
