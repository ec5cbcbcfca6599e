/*
 * From traced labels to training data: one label per normalised text (a correction beats the LLM),
 * nothing that is in the dev split, a stratified held-out part kept as a second dev set ("recent
 * traffic"), and the rest weighted into the training data.
 */
import { type LabelledExample, splitDataset } from "@catena/core/ml";
import type { TracedLabel } from "./traced-labels.ts";

/** How traced labels become training data. */
export interface TracedTrainingOptions {
  /** LLM answers below this confidence are left out (corrections never are). */
  minConfidence: number;
  /** Share of the usable traced items held out as a second dev set, never trained on. */
  heldOutShare: number;
  /** Copies of a corrected item in the training data. */
  correctionWeight: number;
  /** Copies of an LLM-labelled item in the training data (default 1). */
  llmWeight?: number;
  /**
   * Share of the labelled traced items (corrections, LLM labels, cheap answers people rated right)
   * kept apart to choose thresholds on, beside the dev split (default 0: none). Never trained on.
   */
  calibShare?: number;
  /**
   * Copies of each cheap-tier answer on the traffic added to the training data (self-training;
   * default 0: none). Only answers at or above `selfTrainConfidence` count.
   */
  selfTrainWeight?: number;
  /** Cheap-tier answers below this confidence are not trained on (default 0). */
  selfTrainConfidence?: number;
  seed: number;
}

/** One deduplicated traced item. */
export interface TracedItem extends LabelledExample {
  source: TracedLabel["source"];
  /** Traced runs with this text. */
  runs: number;
  /** Runs whose labels disagreed with the one kept. */
  disagreeing: number;
  /** The confidence of the answer kept, when the run recorded one. */
  confidence?: number;
  /** A cheap tier's answer a person rated right. */
  confirmed?: true;
  /** An audit's inverse chance of being audited (see `TracedLabel.weight`). */
  weight?: number;
}

/** The training data a candidate is trained on, and what happened to the traced labels. */
export interface TracedTrainingSet {
  /** The chain's own training examples, then the traced items (corrections repeated by their weight). */
  train: LabelledExample[];
  /** The traced items added to training, once each. */
  added: TracedItem[];
  /**
   * Recent traffic held out: a stratified share of the traced texts (whichever tier answered them),
   * with their traced label. The candidate never trains on them; they measure its LLM-call share.
   */
  heldOut: TracedItem[];
  /**
   * Labelled traced items kept apart to choose thresholds on (see `calibShare`): never trained on,
   * never part of the recent traffic the gate measures.
   */
  calib: TracedItem[];
  /** Cheap-tier answers added to the training data (self-training), once each. */
  selfTrained: TracedItem[];
  counts: {
    /** Traced answers in (corrections, LLM and cheap-tier answers). */
    labels: number;
    /** Distinct texts among them. */
    distinct: number;
    /** Usable corrections and LLM labels (in training or held out). */
    corrections: number;
    llm: number;
    /** Texts whose traced labels disagreed (the correction, else the majority, was kept). */
    conflicting: number;
    /** Texts in the dev split: left out, the dev split stays dev. */
    inDev: number;
    /** Of those, the ones with a label to learn from (a correction, an LLM label, a cheap answer rated right). */
    labelledInDev: number;
    /**
     * Examples of the training data whose text is held out as recent traffic or kept apart for
     * calibration: left out of training, as neither is ever trained on.
     */
    heldOutOfTraining: number;
    /** Texts already in the training data with the same label: nothing to add. */
    known: number;
    /** Texts in the training data with another label and no correction: left out. */
    contradicting: number;
    /** LLM answers below the confidence floor: left out. */
    lowConfidence: number;
  };
}

/** The text as deduplication sees it: Unicode-normalised, lower case, single spaces. */
export function normalisedText(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(/\s+/g, " ").trim();
}

/**
 * Builds the candidate's training data. Traced answers are deduplicated by normalised text: the
 * newest correction wins, else the LLM label given most often (ties: highest confidence), else the
 * cheap tiers' answer. Texts of the dev split are dropped, so training and dev stay disjoint. A
 * stratified `heldOutShare` of the remaining texts is held out as recent traffic, never trained on;
 * a stratified `calibShare` of the labelled rest is kept to choose thresholds on, never trained on
 * (an example of `split.train` with either's text is left out: `counts.heldOutOfTraining`);
 * of the rest, the corrections, the LLM labels and the cheap answers a person rated right are
 * added to the training data (corrections `correctionWeight` times, the others `llmWeight` times:
 * a confirmed answer is a checked label), the cheap tiers' unchecked answers only with
 * `selfTrainWeight` (copies each, those at or above `selfTrainConfidence`).
 */
export function tracedTrainingSet(
  traced: readonly TracedLabel[],
  split: { train: readonly LabelledExample[]; dev: readonly LabelledExample[] },
  options: TracedTrainingOptions,
): TracedTrainingSet {
  const byText = new Map<string, TracedLabel[]>();
  for (const t of traced) {
    const key = normalisedText(t.text);
    byText.set(key, [...(byText.get(key) ?? []), t]);
  }
  const dev = new Set(split.dev.map((e) => normalisedText(e.text)));
  const trainLabels = new Map(split.train.map((e) => [normalisedText(e.text), e.label]));
  const counts: TracedTrainingSet["counts"] = {
    labels: traced.length,
    distinct: byText.size,
    corrections: 0,
    llm: 0,
    conflicting: 0,
    inDev: 0,
    labelledInDev: 0,
    heldOutOfTraining: 0,
    known: 0,
    contradicting: 0,
    lowConfidence: 0,
  };
  const usable: TracedItem[] = [];
  // In text order: the runs come back in whatever order they finished, and the split and the
  // training must not depend on it.
  for (const [key, labels] of [...byText].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const kept = chosen(labels);
    const disagreeing = labels.filter((l) => l.label !== kept.label).length;
    if (disagreeing > 0) counts.conflicting++;
    if (dev.has(key)) {
      counts.inDev++;
      if (kept.source !== "cheap" || kept.confirmed) counts.labelledInDev++;
      continue;
    }
    if (kept.source === "llm" && (kept.confidence ?? 1) < options.minConfidence) {
      counts.lowConfidence++;
      continue;
    }
    usable.push({
      text: kept.text,
      label: kept.label,
      source: kept.source,
      runs: labels.length,
      disagreeing,
      ...(kept.confidence === undefined ? {} : { confidence: kept.confidence }),
      ...(kept.confirmed ? { confirmed: true as const } : {}),
      ...(kept.weight === undefined ? {} : { weight: kept.weight }),
    });
  }
  const parts = heldOutPart(usable, options.heldOutShare, options.seed);
  // The calibration part comes from the labelled items only: an unchecked cheap answer tells
  // nothing about precision. A different seed: the two splits must not pick the same items.
  const labelled = parts.rest.filter((i) => i.source !== "cheap" || i.confirmed);
  // Stratified by source, not label: the labelled items are few, one or two per label.
  const calibShare = options.calibShare ?? 0;
  const calib =
    calibShare > 0 && labelled.length > 0
      ? splitDataset(labelled, { seed: options.seed + 1, devShare: calibShare, stratify: (i) => i.source })
          .dev
      : [];
  const inCalib = new Set(calib);
  const rest = parts.rest.filter((i) => !inCalib.has(i));
  const added: TracedItem[] = [];
  const selfTrained: TracedItem[] = [];
  const selfTrainWeight = options.selfTrainWeight ?? 0;
  for (const item of rest) {
    if (item.source === "cheap" && !item.confirmed) {
      if (selfTrainWeight > 0 && (item.confidence ?? 0) >= (options.selfTrainConfidence ?? 0)) {
        if (!trainLabels.has(normalisedText(item.text))) selfTrained.push(item);
      }
      continue;
    }
    const known = trainLabels.get(normalisedText(item.text));
    if (known === item.label) counts.known++;
    else if (known !== undefined && item.source !== "correction") counts.contradicting++;
    else added.push(item);
  }
  for (const item of [...added, ...calib, ...parts.heldOut]) {
    if (item.source === "correction") counts.corrections++;
    else if (item.source === "llm") counts.llm++;
  }
  // A text corrected in the training data replaces the original example.
  const replaced = new Set(added.map((i) => normalisedText(i.text)).filter((t) => trainLabels.has(t)));
  // The training data may hold held-out or calibration texts (a --data file exported from the
  // same traffic): trained on, they would grade the candidate on what it has learnt.
  const apart = new Set([...parts.heldOut, ...calib].map((i) => normalisedText(i.text)));
  const train: LabelledExample[] = [];
  for (const e of split.train) {
    const key = normalisedText(e.text);
    if (apart.has(key)) counts.heldOutOfTraining++;
    else if (!replaced.has(key)) train.push({ text: e.text, label: e.label });
  }
  for (const item of added) {
    const copies = item.source === "correction" ? options.correctionWeight : (options.llmWeight ?? 1);
    for (let i = 0; i < copies; i++) train.push({ text: item.text, label: item.label });
  }
  for (const item of selfTrained) {
    for (let i = 0; i < selfTrainWeight; i++) train.push({ text: item.text, label: item.label });
  }
  return { train, added, heldOut: parts.heldOut, calib, selfTrained, counts };
}

/** A stratified share of the items held out; labels with a single item are never held out. */
function heldOutPart(
  items: readonly TracedItem[],
  share: number,
  seed: number,
): { rest: TracedItem[]; heldOut: TracedItem[] } {
  const perLabel = new Map<string, number>();
  for (const item of items) perLabel.set(item.label, (perLabel.get(item.label) ?? 0) + 1);
  const splittable = items.filter((i) => (perLabel.get(i.label) ?? 0) > 1);
  const single = items.filter((i) => (perLabel.get(i.label) ?? 0) <= 1);
  if (!(share > 0) || splittable.length < 2) return { rest: [...items], heldOut: [] };
  const parts = splitDataset(splittable, { seed, devShare: share, stratify: true });
  return { rest: [...parts.train, ...single], heldOut: parts.dev };
}

/**
 * The label kept for one text: the newest correction, else the newest cheap answer a person rated
 * right (a person's word beats an LLM's, an audit's included), else the most frequent LLM label,
 * else the cheap tiers'.
 */
function chosen(labels: readonly TracedLabel[]): TracedLabel {
  const corrections = labels.filter((l) => l.source === "correction");
  if (corrections.length > 0) {
    return corrections.reduce((a, b) => (b.startedAt > a.startedAt ? b : a));
  }
  const confirmed = labels.filter((l) => l.source === "cheap" && l.confirmed === true);
  if (confirmed.length > 0) return confirmed.reduce((a, b) => (b.startedAt > a.startedAt ? b : a));
  const llm = labels.filter((l) => l.source === "llm");
  return majority(llm.length > 0 ? llm : labels);
}

/** The label given most often; ties go to the most confident answer, then to the first label in order. */
function majority(labels: readonly TracedLabel[]): TracedLabel {
  const votes = new Map<string, { n: number; best: TracedLabel }>();
  for (const l of labels) {
    const v = votes.get(l.label);
    if (v === undefined) votes.set(l.label, { n: 1, best: l });
    else {
      v.n++;
      if ((l.confidence ?? 0) > (v.best.confidence ?? 0)) v.best = l;
    }
  }
  let top: { n: number; best: TracedLabel } | undefined;
  for (const v of votes.values()) {
    if (
      top === undefined ||
      v.n > top.n ||
      (v.n === top.n && (v.best.confidence ?? 0) > (top.best.confidence ?? 0)) ||
      (v.n === top.n && v.best.confidence === top.best.confidence && v.best.label < top.best.label)
    )
      top = v;
  }
  return (top as { best: TracedLabel }).best;
}
