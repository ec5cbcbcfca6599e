// Issue 13, round 6 prototype: a mined-rules tier for coverage. Word 1–3-grams that, in the training
// part, point to one label (support ≥ k texts, purity ≥ --purity) AND whose precision out of fold
// inside the training part (5 inner folds, seed 17: mined on 4/5, checked on 1/5) is ≥ --oof with at
// least --minHits inner hits. Where the shipped classifier (cached: `classifier-members.bench.ts
// --member=base`) is below its threshold and the firing rules agree, the rules answer. The threshold
// is chosen, as in every round, on one half of the held-out items so that the cheap tiers TOGETHER
// (classifier ≥ t, else rules) reach 97% precision, and measured on the other half, both ways.
//
//   node --conditions=@catena/source bench/ml/mined-rules.bench.ts [--k=5] [--purity=1] [--oof=0.99] [--minHits=3]
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { LabelledExample } from "@catena/core/ml";
import { fmt, machineNotes, markdownTable } from "../lib/report.ts";
import { foldsOf, labels, splits, TARGET_PRECISION } from "./fold-protocol.ts";
import { words } from "./ppmi-embedding.ts";

const K = labels.length;
const arg = (n: string, d: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${n}=`))?.slice(n.length + 3) ?? d);
const base = fileURLToPath(new URL("./out/members/base/", import.meta.url));
const f32 = (p: string) => {
  const b = readFileSync(p);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};

/** The distinct word 1–3-grams of a text. */
function grams(text: string): Set<string> {
  const w = words(text);
  const out = new Set<string>();
  for (let n = 1; n <= 3; n++) for (let i = 0; i + n <= w.length; i++) out.add(w.slice(i, i + n).join(" "));
  return out;
}

/** n-gram → label for every n-gram with support ≥ k whose top label holds ≥ purity of its texts. */
function mine(examples: readonly LabelledExample[], k: number, purity: number): Map<string, number> {
  const counts = new Map<string, Map<number, number>>();
  for (const e of examples) {
    const y = labels.indexOf(e.label);
    for (const g of grams(e.text)) {
      const m = counts.get(g) ?? new Map<number, number>();
      m.set(y, (m.get(y) ?? 0) + 1);
      counts.set(g, m);
    }
  }
  const rules = new Map<string, number>();
  for (const [g, m] of counts) {
    let total = 0;
    let best = -1;
    let bestN = 0;
    for (const [y, n] of m) {
      total += n;
      if (n > bestN) [best, bestN] = [y, n];
    }
    if (total >= k && bestN / total >= purity) rules.set(g, best);
  }
  return rules;
}

/** The rules' answer for a text: the label every firing rule names, or -1 (none fire, or they disagree). */
function answer(rules: Map<string, number>, text: string): number {
  let label = -1;
  for (const g of grams(text)) {
    const y = rules.get(g);
    if (y === undefined) continue;
    if (label >= 0 && y !== label) return -1;
    label = y;
  }
  return label;
}

/** Rules mined on the whole training part, kept only if their out-of-fold precision inside it holds. */
function minedRules(trainPart: LabelledExample[], k: number, purity: number, oof: number, minHits: number) {
  const inner = foldsOf(trainPart, 5, 17);
  const hits = new Map<string, { n: number; right: number }>();
  for (let f = 0; f < 5; f++) {
    const rules = mine(
      trainPart.filter((_, i) => inner[i] !== f),
      Math.max(2, Math.round((k * 4) / 5)),
      purity,
    );
    trainPart.forEach((e, i) => {
      if (inner[i] !== f) return;
      const y = labels.indexOf(e.label);
      for (const g of grams(e.text)) {
        const r = rules.get(g);
        if (r === undefined) continue;
        const h = hits.get(g) ?? { n: 0, right: 0 };
        h.n++;
        if (r === y) h.right++;
        hits.set(g, h);
      }
    });
  }
  const all = mine(trainPart, k, purity);
  for (const g of [...all.keys()]) {
    const h = hits.get(g);
    if (!h || h.n < minHits || h.right / h.n < oof) all.delete(g);
  }
  return all;
}

interface Item {
  confidence: number;
  right: boolean;
  rule: number; // -1: no rule answer
  ruleRight: boolean;
}

/** Lowest threshold at which the classifier (≥ t) plus the rules (below t) reach the target precision on `items`. */
function thresholdFor(items: readonly Item[], useRules: boolean): number {
  const sorted = [...items].sort((a, b) => b.confidence - a.confidence);
  // Start with every item below threshold: only rules answer.
  let acc = 0;
  let right = 0;
  if (useRules)
    for (const it of sorted)
      if (it.rule >= 0) {
        acc++;
        if (it.ruleRight) right++;
      }
  let best = Number.POSITIVE_INFINITY;
  if (acc > 0 && right / acc >= TARGET_PRECISION) best = Number.POSITIVE_INFINITY;
  for (const it of sorted) {
    if (useRules && it.rule >= 0) {
      acc--;
      if (it.ruleRight) right--;
    }
    acc++;
    if (it.right) right++;
    if (right / acc >= TARGET_PRECISION) best = it.confidence;
  }
  return best;
}

function cross(items: readonly Item[], useRules: boolean) {
  const halves = [items.filter((_, i) => i % 2 === 0), items.filter((_, i) => i % 2 === 1)];
  let accepted = 0;
  let right = 0;
  let byRules = 0;
  for (const [choose, measure] of [
    [halves[0], halves[1]],
    [halves[1], halves[0]],
  ] as const) {
    const t = thresholdFor(choose ?? [], useRules);
    for (const it of measure ?? []) {
      if (it.confidence >= t) {
        accepted++;
        if (it.right) right++;
      } else if (useRules && it.rule >= 0) {
        accepted++;
        byRules++;
        if (it.ruleRight) right++;
      }
    }
  }
  return {
    coverage: accepted / items.length,
    precision: accepted ? right / accepted : 1,
    byRules: byRules / items.length,
  };
}

const k = arg("k", 5);
const purity = arg("purity", 1);
const oof = arg("oof", 0.99);
const minHits = arg("minHits", 3);
console.log(machineNotes());
console.log(`k ${k}, purity ${purity}, out-of-fold precision ≥ ${oof} with ≥ ${minHits} hits`);
const results: {
  split: string;
  rules: number;
  fire: number;
  firePrecision: number;
  base: ReturnType<typeof cross>;
  withRules: ReturnType<typeof cross>;
  cpu: number;
}[] = [];
for (const s of splits()) {
  const c0 = process.cpuUsage();
  const rules = minedRules(s.trainPart, k, purity, oof, minHits);
  const c = process.cpuUsage(c0);
  const mlp = f32(`${base}${s.name}.mlp`);
  const linear = f32(`${base}${s.name}.linear`);
  const vote = f32(`${base}${s.name}.vote`);
  let fire = 0;
  let fireRight = 0;
  const items: Item[] = s.heldOut.map((e, i) => {
    const y = labels.indexOf(e.label);
    let a = 0;
    let pa = -1;
    for (let c = 0; c < K; c++) {
      const j = i * K + c;
      const p = 0.25 * (mlp[j] as number) + 0.25 * (linear[j] as number) + 0.5 * (vote[j] as number);
      if (p > pa) [a, pa] = [c, p];
    }
    const r = answer(rules, e.text);
    if (r >= 0) {
      fire++;
      if (r === y) fireRight++;
    }
    return { confidence: pa, right: a === y, rule: r, ruleRight: r === y };
  });
  const row = {
    split: s.name,
    rules: rules.size,
    fire: fire / items.length,
    firePrecision: fire ? fireRight / fire : 1,
    base: cross(items, false),
    withRules: cross(items, true),
    cpu: (c.user + c.system) / 1e6,
  };
  results.push(row);
  console.error(JSON.stringify(row));
}
const d = results[0] as (typeof results)[number];
const folds = results.slice(1);
const mean = (f: (r: (typeof results)[number]) => number) =>
  folds.reduce((t, r) => t + f(r), 0) / folds.length;
console.log(
  markdownTable(
    ["", "dev", "5-fold mean", "per fold"],
    [
      [
        "rules kept",
        String(d.rules),
        fmt(
          mean((r) => r.rules),
          0,
        ),
        folds.map((r) => String(r.rules)).join(" / "),
      ],
      [
        "held-out items a rule answers % (precision)",
        `${fmt(100 * d.fire, 1)} (${fmt(100 * d.firePrecision, 2)})`,
        `${fmt(100 * mean((r) => r.fire), 1)} (${fmt(100 * mean((r) => r.firePrecision), 2)})`,
        folds.map((r) => fmt(100 * r.fire, 1)).join(" / "),
      ],
      [
        "classifier alone: covers % (precision)",
        `${fmt(100 * d.base.coverage, 1)} (${fmt(100 * d.base.precision, 2)})`,
        `${fmt(100 * mean((r) => r.base.coverage), 1)} (${fmt(100 * mean((r) => r.base.precision), 2)})`,
        folds.map((r) => fmt(100 * r.base.coverage, 1)).join(" / "),
      ],
      [
        "classifier, else rules: covers % (precision)",
        `${fmt(100 * d.withRules.coverage, 1)} (${fmt(100 * d.withRules.precision, 2)})`,
        `${fmt(100 * mean((r) => r.withRules.coverage), 1)} (${fmt(100 * mean((r) => r.withRules.precision), 2)})`,
        folds.map((r) => fmt(100 * r.withRules.coverage, 1)).join(" / "),
      ],
      [
        "of which by rules %",
        fmt(100 * d.withRules.byRules, 1),
        fmt(100 * mean((r) => r.withRules.byRules), 1),
        folds.map((r) => fmt(100 * r.withRules.byRules, 1)).join(" / "),
      ],
      [
        "mining CPU s",
        fmt(d.cpu, 2),
        fmt(
          mean((r) => r.cpu),
          2,
        ),
        "",
      ],
    ],
  ),
);
