import { DatasetError, type DatasetProblem } from "../errors/ml-errors.ts";
import { plural } from "../format/plural.ts";

/** A text with its label, as used to train and evaluate the cheap tiers. */
export interface LabelledExample {
  text: string;
  label: string;
  /** 1-based line in the file it was read from, for error messages. */
  line?: number;
}

/** Options of {@link checkExamples}. */
export interface CheckExamplesOptions {
  /** The allowed labels (e.g. a chain's label set); others are reported with their lines. */
  labels?: readonly string[];
  /** Fewest examples a class needs (default 2: one to learn from, one to check against). */
  minPerClass?: number;
  /** What the data is, for messages (default "the examples"). */
  source?: string;
  /**
   * Let a blank text pass (its label must still be filled in): an evaluation counts such an item as
   * one the chain refuses, where training refuses the file (the default).
   */
  keepBlankTexts?: boolean;
}

const SHOWN = 10;

/**
 * Checks labelled data before training: not empty, no blank texts or labels, labels within the
 * allowed set, and enough examples per class. Throws a `DatasetError` listing the offending lines.
 *
 * @example
 * checkExamples(rows, { labels: INTENTS }); // DatasetError: 2 examples have labels outside ...
 */
export function checkExamples(
  examples: readonly LabelledExample[],
  options: CheckExamplesOptions = {},
): void {
  const source = options.source ?? "the examples";
  if (examples.length === 0) {
    throw new DatasetError(`${source}: no examples; give at least two per class.`, { details: { source } });
  }
  const blank: DatasetProblem[] = [];
  examples.forEach((e, index) => {
    if (
      typeof e.text !== "string" ||
      (e.text.trim() === "" && options.keepBlankTexts !== true) ||
      typeof e.label !== "string" ||
      e.label.trim() === ""
    ) {
      blank.push(problem(e, index));
    }
  });
  if (blank.length > 0) {
    throw new DatasetError(
      `${source}: ${plural(blank.length, "example has", "examples have")} an empty text or label (${where(blank)}); fill them in or remove them.`,
      { problems: blank, details: { source } },
    );
  }
  if (options.labels) {
    const allowed = new Set(options.labels);
    const unknown: DatasetProblem[] = [];
    examples.forEach((e, index) => {
      if (!allowed.has(e.label)) unknown.push(problem(e, index));
    });
    if (unknown.length > 0) {
      const names = [...new Set(unknown.map((p) => p.label))];
      const near = nearLabels(options.labels);
      const meant = (label: string | undefined): string => {
        const found = label === undefined ? undefined : near.get(loose(label));
        return found === undefined ? "" : `, did you mean "${found}"?`;
      };
      throw new DatasetError(
        `${source}: ${plural(unknown.length, "example has a label", "examples have labels")} outside the allowed set: ${unknown
          .slice(0, SHOWN)
          .map((p) => `"${p.label}" (${at(p)}${meant(p.label)})`)
          .join(
            ", ",
          )}${unknown.length > SHOWN ? ", ..." : ""}. Fix the labels or add ${names.length === 1 ? "it" : "them"} to the label set.`,
        { problems: unknown, details: { source, unknownLabels: names } },
      );
    }
  }
  const minPerClass = options.minPerClass ?? 2;
  const byLabel = new Map<string, DatasetProblem[]>();
  examples.forEach((e, index) => {
    const list = byLabel.get(e.label) ?? [];
    list.push(problem(e, index));
    byLabel.set(e.label, list);
  });
  const thin = [...byLabel].filter(([, list]) => list.length < minPerClass);
  if (thin.length > 0) {
    const problems = thin.flatMap(([, list]) => list);
    throw new DatasetError(
      `${source}: ${plural(thin.length, "class has", "classes have")} fewer than ${minPerClass} examples: ${thin
        .slice(0, SHOWN)
        .map(([label, list]) => `"${label}" (${list.length}, ${where(list)})`)
        .join(", ")}. Add examples for ${thin.length === 1 ? "it" : "them"} or drop the class.`,
      { problems, details: { source, classes: thin.map(([label]) => label), minPerClass } },
    );
  }
}

function problem(e: LabelledExample, index: number): DatasetProblem {
  return {
    index,
    ...(e.line === undefined ? {} : { line: e.line }),
    ...(typeof e.label === "string" ? { label: e.label } : {}),
    ...(typeof e.text === "string" ? { text: e.text.slice(0, 80) } : {}),
  };
}

function at(p: DatasetProblem): string {
  return p.line === undefined ? `example ${p.index}` : `line ${p.line}`;
}

function where(problems: readonly DatasetProblem[]): string {
  const shown = problems.slice(0, SHOWN).map(at).join(", ");
  return problems.length > SHOWN ? `${shown}, ...` : shown;
}

/**
 * A label as people mistype it: another case, spaces or hyphens for underscores, spaces around.
 * Only for suggestions — labels are compared exactly.
 */
function loose(label: string): string {
  return label
    .normalize("NFC")
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, "_");
}

/** The allowed labels by their loose form, leaving out forms two labels share (no single guess). */
function nearLabels(labels: readonly string[]): Map<string, string> {
  const byForm = new Map<string, string | null>();
  for (const label of labels) byForm.set(loose(label), byForm.has(loose(label)) ? null : label);
  return new Map([...byForm].filter((entry): entry is [string, string] => entry[1] !== null));
}
