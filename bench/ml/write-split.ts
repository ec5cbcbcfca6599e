// Writes the Banking77 train/dev split the ml benchmarks use (seed 77) to bench/ml/out/ as JSONL,
// for peers outside Node (sklearn-peer.py).
//
//   node --conditions=@catena/source bench/ml/write-split.ts
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { banking77 } from "./banking77.ts";

const out = fileURLToPath(new URL("./out/", import.meta.url));
mkdirSync(out, { recursive: true });
const { train, dev } = banking77();
for (const [name, rows] of [
  ["train", train],
  ["dev", dev],
] as const) {
  writeFileSync(
    `${out}${name}.jsonl`,
    rows.map((e) => JSON.stringify({ text: e.text, label: e.label })).join("\n"),
  );
}
console.log(`wrote ${out}train.jsonl (${train.length}) and ${out}dev.jsonl (${dev.length})`);
