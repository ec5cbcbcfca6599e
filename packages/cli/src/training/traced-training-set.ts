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
  /** Copies of a corrected item in the training data (an LLM label counts once). */
  correctionWeight: number;
  seed: number;
}

/** One deduplicated traced item. */
export interface TracedItem extends LabelledExample {
  source: TracedLabel["source"];
  /** Traced runs with this text. */
  runs: number;
  /** Runs whose labels disagreed with the one kept. */
  disagreeing: number;
}

/** The training data a candidate is trained on, and what happened to the traced labels. */
export interface TracedTrainingSet {
  /** The chain's own training examples, then the traced items (corrections repeated by their weight). */
  train: LabelledExample[];
  /** The traced items added to training, once each. */
  added: TracedItem[];
  /** The held-out traced items: recent traffic the candidate never saw. */
  heldOut: TracedItem[];
  counts: {
    /** Traced labels in. */
    labels: number;
    /** Distinct texts among them. */
    distinct: number;
    corrections: number;
    llm: number;
    /** Texts whose traced labels disagreed (the correction, else the majority, was kept). */
    conflicting: number;
    /** Texts in the dev split: left out, the dev split stays dev. */
    inDev: number;
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
 * Builds the candidate's training data. Items are deduplicated by normalised text: the newest
 * correction wins, else the LLM label given most often (ties: highest confidence). Texts of the dev
 * split are dropped, so training and dev stay disjoint; a stratified `heldOutShare` of the rest is
 * held out as recent traffic to measure on, and never trained on.
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
    known: 0,
    contradicting: 0,
    lowConfidence: 0,
  };
  const usable: TracedItem[] = [];
  for (const [key, labels] of byText) {
    const kept = chosen(labels);
    const disagreeing = labels.filter((l) => l.label !== kept.label).length;
    if (disagreeing > 0) counts.conflicting++;
    if (dev.has(key)) {
      counts.inDev++;
      continue;
    }
    const known = trainLabels.get(key);
    if (known === kept.label) {
      counts.known++;
      continue;
    }
    if (known !== undefined && kept.source !== "correction") {
      counts.contradicting++;
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
    });
  }
  for (const item of usable) counts[item.source === "correction" ? "corrections" : "llm"]++;
  // Classes with a single item cannot be split; they go to training.
  const perLabel = new Map<string, number>();
  for (const item of usable) perLabel.set(item.label, (perLabel.get(item.label) ?? 0) + 1);
  const splittable = usable.filter((i) => (perLabel.get(i.label) ?? 0) > 1);
  const single = usable.filter((i) => (perLabel.get(i.label) ?? 0) <= 1);
  const parts =
    options.heldOutShare > 0 && splittable.length > 1
      ? splitDataset(splittable, { seed: options.seed, devShare: options.heldOutShare, stratify: true })
      : { train: splittable, dev: [] };
  const added = [...parts.train, ...single];
  // A text corrected in the training data replaces the original example.
  const replaced = new Set(
    added.filter((i) => trainLabels.has(normalisedText(i.text))).map((i) => normalisedText(i.text)),
  );
  const train: LabelledExample[] = split.train
    .filter((e) => !replaced.has(normalisedText(e.text)))
    .map((e) => ({ text: e.text, label: e.label }));
  for (const item of added) {
    const copies = item.source === "correction" ? options.correctionWeight : 1;
    for (let i = 0; i < copies; i++) train.push({ text: item.text, label: item.label });
  }
  return { train, added, heldOut: parts.dev, counts };
}

/** The label kept for one text: the newest correction, else the most frequent LLM label. */
function chosen(labels: readonly TracedLabel[]): TracedLabel {
  const corrections = labels.filter((l) => l.source === "correction");
  if (corrections.length > 0) {
    return corrections.reduce((a, b) => (b.startedAt > a.startedAt ? b : a));
  }
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
      (v.n === top.n && (v.best.confidence ?? 0) > (top.best.confidence ?? 0))
    )
      top = v;
  }
  return (top as { best: TracedLabel }).best;
}
