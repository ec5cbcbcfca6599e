/*
 * The Banking77 data of the pipeline and its one fixed split. Everything tunable (the classifier's
 * temperature, the thresholds, the regex rules' precision check) is chosen on `dev` or `train`;
 * nothing else exists here to tune on.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isJsonLines, type LabelledExample, readLabelledFile, splitDataset } from "@catena/core/ml";
import { INTENTS } from "./intents.ts";

/** Folder of the Banking77 copy (CSV, categories, README with the CC BY 4.0 attribution, LICENSE). */
export const BANKING77_DIR: string = resolve(dirname(fileURLToPath(import.meta.url)), "../../data/banking77");

/** The labelled queries, `text,category` (PolyAI Banking77 training file). */
export const BANKING77_CSV: string = resolve(BANKING77_DIR, "train.csv");

/** Seed of the train/dev split: changing it changes every artifact and threshold. */
export const SPLIT_SEED = 77;

/** Share of each intent's queries held out as dev. */
export const DEV_SHARE = 0.15;

/**
 * Reads a labelled file of banking queries — CSV (or `.tsv`) with `text` and `category` columns (or
 * `label`, in any case), or JSON lines with `text` and `label` (or `category`) — checking that every
 * label is one of the 77 intents; problems are `DatasetError`s with line numbers.
 *
 * @example
 * const rows = readBankingCsv("my-queries.csv"); // [{ text, label, line }, ...]
 */
export function readBankingCsv(path: string = BANKING77_CSV): LabelledExample[] {
  return readLabelledFile(path, { labelColumn: labelColumnOf(path), labels: INTENTS });
}

/**
 * The fixed 85/15 stratified split of the Banking77 file (seed {@link SPLIT_SEED}): 8,504 train and
 * 1,499 dev queries.
 */
export function bankingSplit(examples: readonly LabelledExample[] = readBankingCsv()): {
  train: LabelledExample[];
  dev: LabelledExample[];
} {
  return splitDataset(examples, { seed: SPLIT_SEED, devShare: DEV_SHARE, stratify: true });
}

/**
 * `category` (Banking77's own header, in any case) when the file's header — or a JSON-lines file's
 * first line — has it and no `label`, else `label`.
 */
function labelColumnOf(path: string): string {
  try {
    const head = readFileHead(path);
    if (isJsonLines(path))
      return /"category"\s*:/.test(head) && !/"label"\s*:/.test(head) ? "category" : "label";
    return /(^|[,\t])\s*"?category"?\s*([,\t]|$)/i.test(head) ? "category" : "label";
  } catch {
    return "label"; // readLabelledCsv reports the unreadable file itself
  }
}

function readFileHead(path: string): string {
  const text = readFileSync(path, "utf8");
  const end = text.indexOf("\n");
  return (end === -1 ? text : text.slice(0, end)).replace(/^\uFEFF/, "");
}
