import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { defineTextCascadeTrainer } from "@catena/core/ml";
import { afterAll, describe, expect, it } from "vitest";
import { collectTrainers } from "./collect-trainers.ts";

const dir = mkdtempSync(join(tmpdir(), "catena-collect-trainers-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, "train.csv"), "text,label\nmoney back,refund\nlost card,card\n");

const trainer = defineTextCascadeTrainer({
  name: "payments",
  labels: ["refund", "card"],
  module: pathToFileURL(join(dir, "chains.ts")).href,
  artifactsDir: "./artifacts",
  split: { train: "train.csv", dev: "train.csv" },
  chain: () => {
    throw new Error("not defined in this test");
  },
});

describe("collectTrainers", () => {
  it("finds trainers alone or in arrays, once each, in export order", () => {
    const { trainers, malformed } = collectTrainers({ a: trainer, b: [trainer], c: 1 });
    expect(trainers).toEqual([trainer]);
    expect(malformed).toEqual([]);
  });

  it("lists an object with a trainer's mark but not all its members as malformed, with what it lacks", () => {
    const { trainers, malformed } = collectTrainers({
      half: { name: "tickets", labels: ["a", "b"], artifactsDir: "x", chainFor: () => undefined },
    });
    expect(trainers).toEqual([]);
    expect(malformed).toEqual([
      {
        name: "tickets",
        problems: [
          "readData (a function)",
          "split (a function)",
          "train (a function)",
          "withoutLlm (a function)",
          "chainModule (a function)",
          "thresholdsPath (a function)",
          "llmCostPerItemUsd (a function)",
        ],
      },
    ]);
  });

  it("ignores objects with a name and a split, train or readData alone: they are not meant as trainers", () => {
    const { trainers, malformed } = collectTrainers({
      dataset: { name: "tickets", split: () => [] },
      job: { name: "nightly", train: () => undefined, readData: "x" },
    });
    expect(trainers).toEqual([]);
    expect(malformed).toEqual([]);
  });
});
