// How the candidate's thresholds are chosen, measured apart from retraining: the shipped cheap
// tiers stand in for the candidate (retraining on ~100 traced labels barely moves them), and the
// thresholds are chosen on the calib part alone, or on calib plus traced LLM labels (weighed by
// stratum as `catena train --from-traces` does), with or without a lower precision bound; each
// choice is measured on the fresh part. The same three-way split of the dev data as loop.bench.ts.
// Run: node --conditions=@catena/source bench/loop/loop-calibration.bench.ts
import { type LabelledExample, splitDataset } from "@catena/core/ml";
import { bankingIntentsTrainer, bankingSplit, INTENTS } from "../../packages/chains/src/index.ts";
import { findCascade } from "../../packages/core/src/calibrate/find-cascade.ts";
import { pickThreshold, type ScoredAnswer } from "../../packages/core/src/calibrate/pick-threshold.ts";
import { stepContext } from "../../packages/core/src/runtime/run-step.ts";
import { run } from "../../packages/core/src/runtime/runner.ts";
import { machineNotes } from "../lib/report.ts";

type Answer = { label: string | null; confidence: number };
const chain = bankingIntentsTrainer.chainFor();
const located = findCascade(chain.name, chain.flow);
const tiers = located.cascade.tiers.filter((t) => t.step.kind !== "llm").map((t) => t.step);
const current: Record<string, number> = Object.fromEntries(
  located.cascade.tiers.map((t) => [t.step.name, t.threshold as number]),
);
await run(bankingIntentsTrainer.withoutLlm(chain), { text: "load the models" });
const ctx = stepContext({
  runId: "bench",
  chain: { name: chain.name, version: chain.version, fingerprint: chain.fingerprint },
  input: {},
  metadata: {},
});
const { dev } = bankingSplit();
const answers = new Map<string, Answer[]>();
for (const e of dev) {
  const text = e.text.normalize("NFKC").replace(/\s+/g, " ").trim();
  const out: Answer[] = [];
  for (const step of tiers) {
    const r = (await step.run({ text } as never, ctx)) as { label?: string | null; confidence?: number };
    out.push({ label: r?.label ?? null, confidence: typeof r?.confidence === "number" ? r.confidence : 0 });
  }
  answers.set(e.text, out);
}

interface Item {
  text: string;
  label: string;
  weight: number;
}
/** The greedy per-tier choice `calibrate` makes, in memory. */
function choose(items: readonly Item[], bound: number): number[] {
  let pending = [...items];
  const thresholds: number[] = [];
  tiers.forEach((_, t) => {
    const scored: ScoredAnswer[] = pending.map((i) => {
      const a = (answers.get(i.text) as Answer[])[t] as Answer;
      return {
        confidence: a.confidence,
        answered: a.label !== null,
        correct: a.label === i.label,
        weight: i.weight,
      };
    });
    const c = pickThreshold(scored, 0.97, { precisionBound: bound });
    const th = c.threshold ?? 2;
    thresholds.push(th);
    pending = pending.filter(
      (_, j) => !((scored[j] as ScoredAnswer).answered && (scored[j] as ScoredAnswer).confidence >= th),
    );
  });
  return thresholds;
}
/**
 * Thresholds chosen jointly: the precision of all cheap answers together must reach the target,
 * not each tier's. Rules at their greedy threshold or never, kNN at each vote share or never; for
 * each pair, the classifier's lowest threshold that keeps the whole at the target (prefix sums over
 * the items sorted by classifier confidence).
 */
function chooseJointly(items: readonly Item[]): number[] {
  const greedy = choose(items, 0);
  const a = (i: Item, t: number) => (answers.get(i.text) as Answer[])[t] as Answer;
  const knnValues = [...new Set(items.map((i) => a(i, 2).confidence).filter((c) => c > 0)), 2];
  let best = { thresholds: greedy, weight: covered(items, greedy) };
  for (const r of [greedy[0] as number, 2]) {
    const rulesTake = (i: Item) =>
      a(i, 0).label !== null && a(i, 0).confidence > 0 && a(i, 0).confidence >= r;
    let base = 0;
    let baseRight = 0;
    const rest: Item[] = [];
    for (const i of items) {
      if (rulesTake(i)) {
        base += i.weight;
        if (a(i, 0).label === i.label) baseRight += i.weight;
      } else rest.push(i);
    }
    const sorted = rest
      .filter((i) => a(i, 1).label !== null && a(i, 1).confidence > 0)
      .sort((x, y) => a(y, 1).confidence - a(x, 1).confidence);
    for (const k of knnValues) {
      const knnTake = (i: Item) =>
        a(i, 2).label !== null && a(i, 2).confidence > 0 && a(i, 2).confidence >= k;
      let knnW = 0;
      let knnRight = 0;
      for (const i of rest) {
        if (!knnTake(i)) continue;
        knnW += i.weight;
        if (a(i, 2).label === i.label) knnRight += i.weight;
      }
      let linW = 0;
      let linRight = 0;
      const consider = (threshold: number) => {
        const w = base + linW + knnW;
        if (w > 0 && (baseRight + linRight + knnRight) / w >= 0.97 - 1e-12 && w > best.weight)
          best = { thresholds: [r, threshold, k], weight: w };
      };
      consider(2);
      for (let j = 0; j < sorted.length; ) {
        const c = a(sorted[j] as Item, 1).confidence;
        while (j < sorted.length && a(sorted[j] as Item, 1).confidence === c) {
          const i = sorted[j] as Item;
          linW += i.weight;
          if (a(i, 1).label === i.label) linRight += i.weight;
          // The item no longer reaches kNN.
          if (knnTake(i)) {
            knnW -= i.weight;
            if (a(i, 2).label === i.label) knnRight -= i.weight;
          }
          j++;
        }
        consider(c);
      }
    }
  }
  return best.thresholds;
}
function covered(items: readonly Item[], th: readonly number[]): number {
  let w = 0;
  for (const i of items) if (route(i.text, th) !== null) w += i.weight;
  return w;
}
/** Which tier answers an item (its label), or null: the LLM. */
function route(text: string, thresholds: readonly number[]): string | null {
  const a = answers.get(text) as Answer[];
  for (const [t, th] of thresholds.entries()) {
    const x = a[t] as Answer;
    if (x.label !== null && x.confidence > 0 && x.confidence >= th) return x.label;
  }
  return null;
}
function measure(set: readonly LabelledExample[], thresholds: readonly number[]) {
  let answered = 0;
  let right = 0;
  for (const e of set) {
    const got = route(e.text, thresholds);
    if (got === null) continue;
    answered++;
    if (got === e.label) right++;
  }
  return { llmShare: 1 - answered / set.length, precision: answered ? right / answered : null };
}

const shipped = tiers.map((s) => current[s.name] as number);
const pct = (x: number | null) => (x === null ? "-" : `${(x * 100).toFixed(1)}%`);
const rows: string[] = [];
for (const seed of [13, 14, 15]) {
  const first = splitDataset(dev, { seed, devShare: 0.5, stratify: true });
  const traffic = first.train;
  const rest = splitDataset(first.dev, { seed: seed + 1, devShare: 0.5, stratify: true });
  const calib = rest.train;
  const fresh = rest.dev;
  const before = measure(fresh, shipped);
  for (const wrongShare of [0, 0.1]) {
    const llmLabelled = traffic
      .map((e, i) => ({ e, i }))
      .filter(({ e }) => route(e.text, shipped) === null)
      .map(({ e, i }) => ({
        text: e.text,
        label:
          wrongShare > 0 && i % 10 === 3
            ? (INTENTS[(INTENTS.indexOf(e.label as never) + 1) % INTENTS.length] as string)
            : e.label,
      }));
    const llmShare = llmLabelled.length / traffic.length;
    // As train --from-traces keeps them apart: 20% held out as traffic, 30% of the rest for calibration.
    const kept = splitDataset(llmLabelled, { seed: 77, devShare: 0.2, stratify: false }).train;
    const tracedCalib = splitDataset(kept, { seed: 78, devShare: 0.3, stratify: false }).dev;
    const weighed = (traced: readonly { text: string; label: string }[]): Item[] => {
      const rows = [
        ...calib.map((e) => ({ text: e.text, label: e.label, w: 1 })),
        ...traced.map((e) => ({ text: e.text, label: e.label, w: 1 })),
      ];
      const z = rows.map((r) => route(r.text, shipped) === null);
      const tot = [0, 0];
      rows.forEach((r, i) => {
        tot[z[i] ? 1 : 0] = (tot[z[i] ? 1 : 0] as number) + r.w;
      });
      const shares = [1 - llmShare, llmShare];
      return rows.map((r, i) => ({
        text: r.text,
        label: r.label,
        weight: ((shares[z[i] ? 1 : 0] as number) * r.w * rows.length) / (tot[z[i] ? 1 : 0] as number),
      }));
    };
    const plain = calib.map((e) => ({ text: e.text, label: e.label, weight: 1 }));
    const variants: [string, Item[], number][] = [
      ["calib only", plain, 0],
      ["calib only, bound 0.8", plain, 0.8],
      [`calib + ${tracedCalib.length} traced (30%)`, weighed(tracedCalib), 0],
      [`calib + ${tracedCalib.length} traced, bound 0.8`, weighed(tracedCalib), 0.8],
      [`calib + all ${llmLabelled.length} traced`, weighed(llmLabelled), 0],
      [`calib + all traced, bound 0.8`, weighed(llmLabelled), 0.8],
      [`calib + all traced, unweighed`, [...plain, ...llmLabelled.map((e) => ({ ...e, weight: 1 }))], 0],
      ["oracle: chosen on fresh", fresh.map((e) => ({ text: e.text, label: e.label, weight: 1 })), 0],
      ["calib only, jointly", plain, -1],
      [`calib + ${tracedCalib.length} traced (30%), jointly`, weighed(tracedCalib), -1],
      [
        "oracle: chosen on fresh, jointly",
        fresh.map((e) => ({ text: e.text, label: e.label, weight: 1 })),
        -1,
      ],
    ];
    for (const [name, items, bound] of variants) {
      {
        // A bound of -1 marks the joint choice.
        const m = measure(fresh, bound < 0 ? chooseJointly(items) : choose(items, bound));
        const rel = (before.llmShare - m.llmShare) / before.llmShare;
        rows.push(
          `| ${seed} | ${wrongShare ? "10% wrong" : "gold"} | ${name} | ${pct(before.llmShare)} at ${pct(before.precision)} | ${pct(m.llmShare)} (${rel >= 0 ? "−" : "+"}${pct(Math.abs(rel))}) at ${pct(m.precision)} |`,
        );
      }
    }
  }
}
console.log(
  [
    "| seed | LLM labels | thresholds chosen on | shipped, on fresh: LLM share at precision | chosen, on fresh: LLM share (relative) at precision |",
    "|---|---|---|---|---|",
    ...rows,
    "",
    machineNotes(),
  ].join("\n"),
);
