/*
 * The items a candidate's thresholds are chosen on: the dev split plus the labelled traced items
 * kept apart for it. The traced LLM answers sit where the current version defers, exactly where a
 * threshold is decided, but they are not a fair sample of the traffic: added as they are, they
 * would make the hard queries look commoner than they are and push the thresholds up. So the items
 * are post-stratified by what the current version does with them (a cheap tier answers, or the LLM
 * is needed), and each stratum weighs as much as its share of the traced traffic.
 */
import { type AnyChain, run } from "@catena/core";
import type { CalibrationItem, LabelledExample } from "@catena/core/ml";
import type { TracedItem } from "./traced-training-set.ts";

/** What {@link tracedCalibrationItems} weighs. */
export interface TracedCalibrationOptions {
  /** The current version without its LLM tier: an item it defers is one the LLM answers. */
  current: AnyChain;
  dev: readonly LabelledExample[];
  /** Labelled traced items kept apart for calibration (corrections, LLM labels, confirmed cheap answers). */
  traced: readonly TracedItem[];
  /**
   * Share of the traced traffic the current version left to the LLM; undefined when the traces do
   * not tell (then the dev split's own share is used).
   */
  trafficLlmShare: number | undefined;
  /** How much a correction (or a rated-right cheap answer) and an LLM label count, against a dev item's 1. */
  correctionWeight: number;
  llmWeight: number;
}

/** The weighted calibration items, and the strata they were weighed in. */
export interface TracedCalibrationSet {
  items: CalibrationItem[];
  strata: {
    /** Items the current version's cheap tiers answer: dev items, and traced items people checked. */
    cheap: { dev: number; traced: number; share: number };
    /** Items the current version leaves to the LLM: dev items, and traced LLM labels or corrections. */
    llm: { dev: number; traced: number; share: number };
  };
}

/**
 * Weighs dev items and traced items for `calibrate`: within a stratum a dev item counts 1, a
 * correction or confirmed cheap answer `correctionWeight`, an LLM label `llmWeight` (LLM labels are
 * sometimes wrong); each stratum's weights are then scaled so that it weighs its share of the
 * traffic, and all of them so that they sum to the number of items (Kish's effective size, which a
 * precision bound uses, does not depend on the scale).
 */
export async function tracedCalibrationItems(
  options: TracedCalibrationOptions,
): Promise<TracedCalibrationSet> {
  // Audits picked with unequal chances (`--audit-pick uncertain`) weigh 1 / their chance, scaled
  // to a mean of 1: together they count as many as they are, each standing for the answers like it.
  const audited = options.traced.filter((i) => i.weight !== undefined);
  const meanWeight =
    audited.length === 0 ? 1 : audited.reduce((sum, i) => sum + (i.weight as number), 0) / audited.length;
  const rows = [
    ...options.dev.map((e) => ({ text: e.text, label: e.label, weight: 1, traced: false })),
    ...options.traced.map((i) => ({
      text: i.text,
      label: i.label,
      weight:
        (i.source === "llm" ? options.llmWeight : options.correctionWeight) *
        ((i.weight ?? meanWeight) / meanWeight),
      traced: true,
    })),
  ];
  const deferred: boolean[] = [];
  for (const row of rows) {
    const r = await run(options.current, { text: row.text });
    deferred.push(r.status !== "done");
  }
  const count = (llm: boolean, traced: boolean) =>
    rows.filter((row, i) => deferred[i] === llm && row.traced === traced).length;
  const devLlm = count(true, false);
  const llmShare = options.trafficLlmShare ?? (options.dev.length > 0 ? devLlm / options.dev.length : 0);
  const total = [0, 0];
  rows.forEach((row, i) => {
    total[deferred[i] ? 1 : 0] = (total[deferred[i] ? 1 : 0] as number) + row.weight;
  });
  const shares = [1 - llmShare, llmShare];
  const items = rows.map((row, i) => {
    const s = deferred[i] ? 1 : 0;
    const weight = ((shares[s] as number) * row.weight * rows.length) / (total[s] as number);
    return { input: { text: row.text }, label: row.label, weight };
  });
  return {
    items,
    strata: {
      cheap: { dev: count(false, false), traced: count(false, true), share: 1 - llmShare },
      llm: { dev: devLlm, traced: count(true, true), share: llmShare },
    },
  };
}
