import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DatasetError } from "../errors/ml-errors.ts";
import { writeArtifactFile } from "./artifact-file.ts";
import { TOY_LABELS, toyIntents } from "./fixtures/toy-intents.ts";
import { loadTextClassifier } from "./load-text-classifier.ts";
import { NeuralTextClassifier } from "./neural-text-classifier.ts";
import { splitDataset } from "./split-dataset.ts";
import { trainClassifier } from "./train-classifier.ts";
import { trainNeuralClassifier } from "./train-neural-classifier.ts";

const { train, dev } = splitDataset(toyIntents(), { seed: 3, devShare: 0.25 });
const unseen = [
  { text: "my new card still hasn't arrived", label: "card_arrival" },
  { text: "what's the rate for converting euros", label: "exchange_rate" },
  { text: "I think my card got stolen", label: "lost_card" },
  { text: "wrong pin too many times, now it's blocked", label: "pin_blocked" },
];
const small = { hidden: 32, mlpEpochs: 10, epochs: 5 };

describe("trainNeuralClassifier", () => {
  it("learns the toy intents, labels unseen paraphrases and reports like trainClassifier", async () => {
    const { classifier, report } = await trainNeuralClassifier(train, { dev, labels: TOY_LABELS, ...small });
    expect(report.dev?.accuracy).toBeGreaterThanOrEqual(0.95);
    for (const e of unseen) expect(classifier.predict(e.text).label).toBe(e.label);
    const p = classifier.predict(unseen[0]?.text ?? "", { top: 2 });
    expect(p.top).toHaveLength(2);
    expect(p.top[0]).toEqual({ label: p.label, confidence: p.confidence });
    const sum = classifier.probabilities(unseen[1]?.text ?? "").reduce((s, v) => s + v, 0);
    expect(sum).toBeCloseTo(1, 6);
    expect(report.examples).toEqual({ train: train.length, calibration: dev.length, dev: dev.length });
    expect(report.calibrationNll.after).toBeLessThanOrEqual(report.calibrationNll.before + 1e-9);
    expect(classifier.hidden("my card is lost")).toHaveLength(32);
  });

  it("gives the same model for the same data and seed, another for another seed", async () => {
    const a = await trainNeuralClassifier(train, { seed: 5, ...small });
    const b = await trainNeuralClassifier(train, { seed: 5, ...small });
    const c = await trainNeuralClassifier(train, { seed: 6, ...small });
    expect(a.classifier.contentHash).toBe(b.classifier.contentHash);
    expect(c.classifier.contentHash).not.toBe(a.classifier.contentHash);
  });

  it("trains on the versions of the texts mlpViews returns: unchanged versions give the same model, perturbed ones another", async () => {
    const options = { seed: 5, dev, labels: TOY_LABELS, ...small };
    const plain = await trainNeuralClassifier(train, options);
    const same = await trainNeuralClassifier(train, {
      ...options,
      mlpViews: (texts) => [texts, [...texts]],
      linearViews: true,
    });
    expect(same.classifier.contentHash).toBe(plain.classifier.contentHash);
    // Every other epoch sees each text without its last word.
    const shorter = (texts: readonly string[]) => texts.map((t) => t.split(" ").slice(0, -1).join(" ") || t);
    const views = await trainNeuralClassifier(train, {
      ...options,
      mlpViews: (texts) => [texts, shorter(texts)],
    });
    expect(views.classifier.contentHash).not.toBe(plain.classifier.contentHash);
    expect(views.report.dev?.accuracy).toBeGreaterThanOrEqual(0.9);
  });

  it("saves an artifact that loadTextClassifier reads back, as it reads linear ones", async () => {
    const dir = mkdtempSync(join(tmpdir(), "catena-nclf-"));
    const { classifier } = await trainNeuralClassifier(train, small);
    const path = join(dir, "toy.classifier");
    const hash = classifier.save(path);
    expect(hash).toBe(classifier.contentHash);
    const loaded = loadTextClassifier(path);
    expect(loaded).toBeInstanceOf(NeuralTextClassifier);
    expect(loaded.contentHash).toBe(hash);
    for (const e of unseen) expect(loaded.predict(e.text)).toEqual(classifier.predict(e.text));
    expect(() => NeuralTextClassifier.load(path)).not.toThrow();

    const linearPath = join(dir, "linear.classifier");
    const linear = (await trainClassifier(train, { epochs: 3 })).classifier;
    linear.save(linearPath);
    expect(loadTextClassifier(linearPath).contentHash).toBe(linear.contentHash);
    expect(() => NeuralTextClassifier.load(linearPath)).toThrow(/holds a "text-classifier"/);
    // Version 2 exists for the neural kind only.
    writeArtifactFile(linearPath, { ...linear.toArtifact(), version: 2 });
    expect(() => loadTextClassifier(linearPath)).toThrow(/text-classifier format version 2 is not supported/);

    const bytes = readFileSync(path);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    writeFileSync(path, bytes);
    expect(() => loadTextClassifier(path)).toThrow(/corrupt/);
  });

  it("keeps the hidden-layer kNN memory in a version-2 artifact, and still reads version 1 (no memory)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "catena-nclf-"));
    // With dev given, no training text is held out for the temperatures: all of them are in the memory.
    const withMemory = (await trainNeuralClassifier(train, { dev, ...small })).classifier;
    const without = (await trainNeuralClassifier(train, { dev, ...small, neighbours: false })).classifier;
    expect(withMemory.neighbours?.labels).toHaveLength(train.length);
    expect(withMemory.toArtifact().version).toBe(2);
    expect(without.neighbours).toBeUndefined();
    expect(without.toArtifact().version).toBe(1);
    // The same perceptron and linear model: only the kNN vote differs.
    expect(withMemory.mlp.w1).toEqual(without.mlp.w1);
    const probe = "my card still hasn't arrived";
    expect(withMemory.probabilities(probe)).not.toEqual(without.probabilities(probe));
    for (const [name, c] of [
      ["v2", withMemory],
      ["v1", without],
    ] as const) {
      const path = join(dir, `${name}.classifier`);
      c.save(path);
      const loaded = NeuralTextClassifier.load(path);
      expect(loaded.contentHash).toBe(c.contentHash);
      for (const e of unseen) expect(loaded.predict(e.text)).toEqual(c.predict(e.text));
    }
    // A training text's nearest neighbour is itself: with the whole vote on the neighbours, its label wins.
    const { classifier: knnOnly } = await trainNeuralClassifier(train, {
      dev,
      ...small,
      neighbours: { k: 1, weight: 1 },
    });
    for (const e of train.slice(0, 10)) expect(knnOnly.predict(e.text).label).toBe(e.label);
  });

  it("checks the data as trainClassifier does", async () => {
    await expect(trainNeuralClassifier([])).rejects.toThrow(DatasetError);
  });

  it("refuses vote settings that would give meaningless probabilities, naming them", async () => {
    await expect(trainNeuralClassifier(train, { neighbours: { tau: 0 } })).rejects.toThrow(
      /options\.neighbours: tau must be a number > 0, got 0/,
    );
    await expect(trainNeuralClassifier(train, { neighbours: { k: 0, weight: 2 } })).rejects.toThrow(
      /k must be an integer >= 1, got 0; weight must be in \[0, 1\], got 2/,
    );
  });
});
