import { plural } from "../format/plural.ts";
import type { TracedLabel, TracedLabelCounts } from "./traced-labels.ts";
import type { TracedTrainingSet } from "./traced-training-set.ts";
import { TrainFromTracesError } from "./train-from-traces-error.ts";

/** What {@link tooFewItemsError} explains. */
export interface TooFewItems {
  chain: string;
  minItems: number;
  /** The labels read from the traces, and why the other runs gave none. */
  items: readonly TracedLabel[];
  counts: TracedLabelCounts;
  set: TracedTrainingSet;
}

/**
 * `TOO_FEW_ITEMS`: fewer usable labels than `--min-items`, with where the traced runs went. The
 * counts are in two disjoint groups that each add up: the runs (by what they gave), then the
 * distinct texts of the labelled runs (by why they were not added), so that no item is counted
 * twice and the reader can see which knob to turn. Zero counts are left out.
 */
export function tooFewItemsError({ chain, minItems, items, counts, set }: TooFewItems): TrainFromTracesError {
  const usable = set.added.length;
  const labelled = (i: { source: string; confirmed?: true }) => i.source !== "cheap" || i.confirmed === true;
  const llm = items.filter((i) => i.source === "llm").length;
  const confirmed = items.filter((i) => i.source === "cheap" && i.confirmed).length;
  const heldOut = set.heldOut.filter(labelled).length;
  const c = set.counts;
  const runs = [
    counts.corrected > 0 ? plural(counts.corrected, "correction") : "",
    llm > 0 ? plural(llm, "LLM answer") : "",
    counts.cheap > 0
      ? `${plural(counts.cheap, "answer")} of a cheap tier${confirmed > 0 ? ` (${confirmed} rated right, which makes ${confirmed === 1 ? "it a label" : "them labels"})` : ""}`
      : "",
    counts.lowRated > 0 ? `${plural(counts.lowRated, "answer")} rated wrong` : "",
    counts.unanswered > 0 ? `${plural(counts.unanswered, "run")} failed or deferred` : "",
    counts.invalidCorrections > 0
      ? `${plural(counts.invalidCorrections, "correction")} to a label the chain does not have`
      : "",
  ].filter((part) => part !== "");
  const texts = [
    c.labelledInDev > 0 ? `${c.labelledInDev} in the dev split` : "",
    c.lowConfidence > 0 ? `${c.lowConfidence} below --min-confidence` : "",
    c.known > 0 ? `${c.known} already in the training data` : "",
    c.contradicting > 0 ? `${c.contradicting} contradicting the training data` : "",
    heldOut > 0 ? `${heldOut} held out as recent traffic` : "",
    set.calib.length > 0 ? `${set.calib.length} kept apart to choose thresholds on` : "",
  ].filter((part) => part !== "");
  const labelledTexts =
    usable + c.labelledInDev + c.lowConfidence + c.known + c.contradicting + heldOut + set.calib.length;
  const where =
    labelledTexts === 0
      ? "none of them gave a label to learn from"
      : `their labels are ${plural(labelledTexts, "distinct text")}, of which ${[...texts, `${usable} usable`].join(", ")}`;
  return new TrainFromTracesError(
    "TOO_FEW_ITEMS",
    `Only ${plural(usable, "labelled item")} to train on in ${plural(counts.runs, "traced run")} of ${chain} (need ${minItems}). The runs: ${runs.join(", ")}; ${where}. Let more traffic reach the LLM tier, add corrections (catena feedback <run> --key correction --correction '{"label":"..."}'), widen --since, or lower --min-items or --calib-share.`,
    {
      details: {
        usable,
        minItems,
        labelledTexts,
        ...counts,
        ...c,
        // The runs an LLM tier answered (`llm` is the usable LLM labels): with corrected, cheap,
        // lowRated, unanswered and invalidCorrections, every run once.
        llmAnswered: llm,
        heldOutLabelled: heldOut,
        calib: set.calib.length,
      },
    },
  );
}
