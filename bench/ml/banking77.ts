// The Banking77 data the ml benchmarks read: ../shared/data/banking77/train.csv (PolyAI, CC BY 4.0;
// see its README and LICENSE there), split 85/15 into train/dev, stratified, with a fixed seed.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type LabelledExample, readLabelledCsv, splitDataset } from "@catena/core/ml";

/** Seed of the train/dev split used by every ml benchmark. */
export const SPLIT_SEED = 77;

/** Where the shared Banking77 file is (override with BANKING77_CSV). */
export function banking77Path(): string {
  const path =
    process.env.BANKING77_CSV ??
    fileURLToPath(new URL("../../../shared/data/banking77/train.csv", import.meta.url));
  if (!existsSync(path)) throw new Error(`Banking77 not found at ${path}; set BANKING77_CSV`);
  return path;
}

/** All Banking77 examples, and their 85/15 stratified train/dev split. */
export function banking77(): {
  all: LabelledExample[];
  train: LabelledExample[];
  dev: LabelledExample[];
  labels: string[];
} {
  const all = readLabelledCsv(banking77Path(), { labelColumn: "category" });
  const { train, dev } = splitDataset(all, { seed: SPLIT_SEED, devShare: 0.15, stratify: true });
  return { all, train, dev, labels: [...new Set(all.map((e) => e.label))].sort() };
}
