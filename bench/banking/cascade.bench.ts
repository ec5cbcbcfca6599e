// Coverage of the banking-intents cheap tiers (rules → classifier → kNN) at 95%, 97% and 99% target
// precision on the Banking77 dev split, with thresholds from `calibrate`.
// Run: node --conditions=@catena/source bench/banking/cascade.bench.ts
// Two figures per target: thresholds chosen on all of dev and measured on the same items (what
// `catena calibrate` reports; optimistic), and a 2-fold check (choose on one half of dev, measure on
// the other, both ways, summed) that shows how well the chosen thresholds carry to unseen queries.
import { type CalibrationItem, calibrate, splitDataset } from "@catena/core/ml";
// Imported by path: @catena/bench does not depend on @catena/chains.
import { bankingIntents, bankingSplit } from "../../packages/chains/src/index.ts";

const { dev } = bankingSplit();
const items: CalibrationItem[] = dev.map((e) => ({ input: { text: e.text }, label: e.label }));
const tiers = ["rules", "linear", "neighbours"];

function measure(
  thresholds: Record<string, number>,
  on: readonly CalibrationItem[],
  outputs: Map<CalibrationItem, Array<{ label: string | null; confidence: number }>>,
) {
  let accepted = 0;
  let correct = 0;
  const byTier = Object.fromEntries(tiers.map((t) => [t, 0]));
  for (const item of on) {
    const tierAnswers = outputs.get(item) ?? [];
    for (const [i, tier] of tiers.entries()) {
      const a = tierAnswers[i];
      if (a && a.label !== null && a.confidence >= (thresholds[tier] ?? 2)) {
        accepted++;
        byTier[tier] = (byTier[tier] ?? 0) + 1;
        if (a.label === item.label) correct++;
        break;
      }
    }
  }
  return { accepted, correct, byTier };
}

// Each tier's answer for each dev item, straight from the chain's own steps.
const cascadeNode = (
  bankingIntents.flow as unknown as {
    nodes: Array<{ type: string; tiers?: Array<{ step: { run: (input: unknown, ctx: never) => unknown } }> }>;
  }
).nodes.find((n) => n.type === "cascade");
const steps = (cascadeNode?.tiers ?? []).slice(0, 3).map((t) => t.step);
const outputs = new Map<CalibrationItem, Array<{ label: string | null; confidence: number }>>();
const ctx = { signal: new AbortController().signal } as never;
for (const item of items) {
  const text = (item.input as { text: string }).text.normalize("NFKC").replace(/\s+/g, " ").trim();
  const list: Array<{ label: string | null; confidence: number }> = [];
  for (const step of steps) {
    const r = (await step.run({ text }, ctx)) as { label: string | null; confidence: number };
    list.push({ label: r.label, confidence: r.confidence });
  }
  outputs.set(item, list);
}

const halves = splitDataset(items, { seed: 7, devShare: 0.5, stratify: (i) => i.label });
const pct = (x: number): string => (x * 100).toFixed(1);
console.log(`dev: ${items.length} items; load average ${(await import("node:os")).loadavg()[0]?.toFixed(1)}`);
console.log(
  "| target | thresholds rules / linear / kNN | rules % | classifier % | kNN % | cheap tiers cover % | precision % | 2-fold: cover % | 2-fold: precision % |",
);
console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const target of [0.95, 0.97, 0.99]) {
  const all = await calibrate(bankingIntents, items, { targetPrecision: target });
  const m = measure(all.thresholds, items, outputs);
  let acc = 0;
  let cor = 0;
  for (const [fit, check] of [
    [halves.train, halves.dev],
    [halves.dev, halves.train],
  ] as const) {
    const t = await calibrate(bankingIntents, fit, { targetPrecision: target });
    const r = measure(t.thresholds, check, outputs);
    acc += r.accepted;
    cor += r.correct;
  }
  const fmt = (t: number | undefined): string => (t === undefined || t > 1 ? "never" : t.toFixed(3));
  console.log(
    `| ${pct(target)}% | ${fmt(all.thresholds.rules)} / ${fmt(all.thresholds.linear)} / ${fmt(all.thresholds.neighbours)} | ${pct((m.byTier.rules ?? 0) / items.length)} | ${pct((m.byTier.linear ?? 0) / items.length)} | ${pct((m.byTier.neighbours ?? 0) / items.length)} | ${pct(m.accepted / items.length)} | ${pct(m.correct / Math.max(1, m.accepted))} | ${pct(acc / items.length)} | ${pct(cor / Math.max(1, acc))} |`,
  );
}
