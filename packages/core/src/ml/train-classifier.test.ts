import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CatenaError } from "../errors/catena-error.ts";
import { DatasetError } from "../errors/ml-errors.ts";
import { TOY_LABELS, toyIntents } from "./fixtures/toy-intents.ts";
import { LinearTextClassifier } from "./linear-text-classifier.ts";
import { splitDataset } from "./split-dataset.ts";
import { type TrainingProgress, trainClassifier } from "./train-classifier.ts";

const { train, dev } = splitDataset(toyIntents(), { seed: 3, devShare: 0.25 });
const unseen = [
  { text: "my new card still hasn't arrived", label: "card_arrival" },
  { text: "what's the rate for converting euros", label: "exchange_rate" },
  { text: "I think my card got stolen", label: "lost_card" },
  { text: "wrong pin too many times, now it's blocked", label: "pin_blocked" },
];

describe("trainClassifier", () => {
  it("learns the toy intents and labels unseen paraphrases", async () => {
    const { classifier, report } = await trainClassifier(train, { dev, labels: TOY_LABELS });
    expect(report.dev?.accuracy).toBeGreaterThanOrEqual(0.95);
    for (const e of unseen) expect(classifier.predict(e.text).label).toBe(e.label);
    const p = classifier.predict(unseen[0]?.text ?? "", { top: 2 });
    expect(p.top).toHaveLength(2);
    expect(p.top[0]).toEqual({ label: p.label, confidence: p.confidence });
    expect(p.confidence).toBeGreaterThan(0.5);
    expect(p.confidence).toBeLessThanOrEqual(1);
  });

  it("reports sizes, the temperature, per-class F1 worst first and the training time", async () => {
    const steps: TrainingProgress[] = [];
    const { report } = await trainClassifier(train, { dev, epochs: 3, onProgress: (s) => steps.push(s) });
    expect(report.classes).toBe(4);
    // With dev given, the temperature is fitted on it and every training example is trained on.
    expect(report.examples).toEqual({ train: train.length, calibration: dev.length, dev: dev.length });
    const alone = await trainClassifier(train, { epochs: 1 });
    expect(alone.report.examples.train + alone.report.examples.calibration).toBe(train.length);
    expect(alone.report.examples.calibration).toBeGreaterThan(0);
    expect(report.temperature).toBeGreaterThan(0);
    expect(report.calibrationNll.after).toBeLessThanOrEqual(report.calibrationNll.before + 1e-9);
    const f1 = report.dev?.perClass.map((c) => c.f1) ?? [];
    expect(f1).toEqual([...f1].sort((a, b) => a - b));
    expect(report.trainingMs).toBeGreaterThan(0);
    expect(steps.filter((s) => s.phase === "train").map((s) => s.done)).toEqual([1, 2, 3]);
  });

  it("gives the same model for the same data and seed, another for another seed", async () => {
    const a = await trainClassifier(train, { seed: 5, epochs: 3 });
    const b = await trainClassifier(train, { seed: 5, epochs: 3 });
    const c = await trainClassifier(train, { seed: 6, epochs: 3 });
    expect(a.classifier.contentHash).toBe(b.classifier.contentHash);
    expect(c.classifier.contentHash).not.toBe(a.classifier.contentHash);
  });

  it("saves and loads as an artifact with the same hash and predictions", async () => {
    const { classifier } = await trainClassifier(train, { epochs: 3 });
    const path = join(mkdtempSync(join(tmpdir(), "catena-clf-")), "toy.classifier");
    const hash = classifier.save(path);
    expect(hash).toBe(classifier.contentHash);
    const loaded = LinearTextClassifier.load(path);
    expect(loaded.contentHash).toBe(hash);
    expect(loaded.labels).toEqual(classifier.labels);
    for (const e of unseen) expect(loaded.predict(e.text)).toEqual(classifier.predict(e.text));
    // One flipped weight byte is caught by the content hash.
    const bytes = readFileSync(path);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    writeFileSync(path, bytes);
    expect(() => LinearTextClassifier.load(path)).toThrow(/corrupt/);
  });

  it("rejects empty data, one-example classes and labels outside the label set, naming the lines", async () => {
    await expect(trainClassifier([])).rejects.toThrow(DatasetError);
    const single = [...train, { text: "open a savings account", label: "savings", line: 99 }];
    await expect(trainClassifier(single)).rejects.toThrow(/"savings" \(1, line 99\)/);
    const stray = train.map((e, i) => ({ ...e, line: i + 2 }));
    const bad = [
      ...stray,
      { text: "x", label: "refund", line: 500 },
      { text: "y", label: "refund", line: 501 },
    ];
    const error = await trainClassifier(bad, { labels: TOY_LABELS }).catch((e: unknown) => e);
    expect(CatenaError.isInstance(error) && error.code).toBe("DATASET_INVALID");
    expect((error as Error).message).toMatch(/"refund" \(line 500\), "refund" \(line 501\)/);
    expect((error as DatasetError).problems.map((p) => p.line)).toEqual([500, 501]);
    await expect(
      trainClassifier([
        { text: "only", label: "a" },
        { text: "one", label: "a" },
      ]),
    ).rejects.toThrow(/at least two/);
  });

  it("refuses examples of one class even when the label set has more (a chain's 77 intents, say)", async () => {
    const oneClass = train.filter((e) => e.label === TOY_LABELS[0]);
    await expect(trainClassifier(oneClass, { labels: TOY_LABELS })).rejects.toThrow(
      `training data: only one class ("${TOY_LABELS[0]}") has examples; a classifier needs examples of at least two.`,
    );
  });
});
