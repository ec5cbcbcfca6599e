import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineChain } from "../compile/define-chain.ts";
import { cascade } from "../flows/cascade.ts";
import { cascadeTierNames, flowNodes } from "../flows/children.ts";
import { run } from "../runtime/runner.ts";
import { classify } from "../steps/classify-step.ts";
import { knn } from "../steps/knn-step.ts";
import { llm } from "../steps/llm-step.ts";
import type { CascadeNode } from "../types.ts";
import {
  defineTextCascadeTrainer,
  type TextCascadeTiers,
  type TextCascadeTrainerOptions,
} from "./define-text-cascade-trainer.ts";

const dir = mkdtempSync(join(tmpdir(), "catena-text-cascade-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const rows = (label: string, words: string[]) => words.map((w) => `${w} ${label} please,${label}`);
writeFileSync(
  join(dir, "train.csv"),
  `text,label\n${[...rows("refund", ["money back", "return", "charge", "repay"]), ...rows("card", ["lost", "stolen", "new", "broken"])].join("\n")}\n`,
);
writeFileSync(
  join(dir, "dev.csv"),
  `text,label\n${[...rows("refund", ["cash"]), ...rows("card", ["bent"])].join("\n")}\n`,
);

const options = (
  over: Partial<TextCascadeTrainerOptions<"refund" | "card", ReturnType<typeof defineChain>>> = {},
): TextCascadeTrainerOptions<"refund" | "card", ReturnType<typeof defineChain>> => ({
  name: "payments",
  labels: ["refund", "card"],
  module: pathToFileURL(join(dir, "chains.ts")).href,
  artifactsDir: "./artifacts",
  split: { train: "train.csv", dev: "dev.csv" },
  chain: (tiers, { version }) =>
    defineChain({
      name: "payments",
      version,
      input: z.object({ text: z.string() }),
      output: z.object({ label: z.string(), confidence: z.number(), tier: z.string() }),
      flow: cascade(
        "label",
        [
          {
            step: classify("classifier", { model: tiers.classifier }),
            threshold: tiers.threshold("classifier"),
          },
          {
            step: knn("neighbours", { index: tiers.index, embedder: tiers.embedder, k: 3 }),
            threshold: tiers.threshold("neighbours"),
          },
          ...tiers.llm(
            llm("llm", {
              model: "openai:gpt-4.1-mini-2025-04-14",
              prompt: { user: "{text}" },
              labels: ["refund", "card"],
            }),
          ),
        ],
        { onExhausted: "deferred" },
      ),
    }),
  ...over,
});

describe("defineTextCascadeTrainer", () => {
  it("resolves its paths against the module's folder and reads its split with the label set", () => {
    const trainer = defineTextCascadeTrainer(options());
    expect(trainer.artifactsDir).toBe(join(dir, "artifacts"));
    expect(trainer.thresholdsPath()).toBe(join(dir, "artifacts", "thresholds.json"));
    const { train, dev } = trainer.split();
    expect([train.length, dev.length]).toEqual([8, 2]);
  });

  it("trains the tiers into a folder whose chain loads them, and leaves the LLM out on request", async () => {
    const trainer = defineTextCascadeTrainer(options());
    const out = join(dir, "trained");
    const { files, report } = await trainer.train(trainer.split().train, {
      dev: trainer.split().dev,
      outDir: out,
    });
    expect(files.map((f) => f.slice(out.length + 1))).toEqual([
      "classifier.catena",
      "embedder.catena",
      "index.catena",
      "manifest.json",
    ]);
    expect(report.trainingMs).toBeGreaterThan(0);
    const chain = trainer.chainFor(out, { version: "1.0.1" });
    expect(chain.id).toBe("payments@1.0.1");
    expect(cascadeTierNames(chain.flow)).toEqual(["classifier", "neighbours", "llm"]);
    const offline = trainer.withoutLlm(chain);
    expect(offline.id).toBe("payments@1.0.1");
    expect(cascadeTierNames(offline.flow)).toEqual(["classifier", "neighbours"]);
    // Uncalibrated, no cheap tier answers: the item is deferred with the best guess.
    const r = await run(offline, { text: "lost card please" });
    expect(r.status).toBe("deferred");
    // The untrained default folder still defines the chain (its tiers never accept).
    expect(trainer.chainFor().fingerprint).not.toBe(chain.fingerprint);
    expect(trainer.chainFor()).toBe(trainer.chainFor());
    // Uncalibrated tiers ask for more than any confidence, so they never answer.
    const cascadeNode = [...flowNodes(offline.flow)].find((n) => n.type === "cascade") as CascadeNode;
    expect(cascadeNode.tiers.map((t) => t.threshold > 1)).toEqual([true, true]);
  });

  it("gives a fresh chain for an explicit folder and version, even its own (after training it)", async () => {
    const trainer = defineTextCascadeTrainer(options({ artifactsDir: "./own" }));
    const before = trainer.chainFor();
    await trainer.train(trainer.split().train, { dev: trainer.split().dev, outDir: trainer.artifactsDir });
    const after = trainer.chainFor(trainer.artifactsDir, { version: "1.0.0" });
    expect(after).not.toBe(before);
    expect(after.fingerprint).not.toBe(before.fingerprint);
    // Without arguments it stays the one chain it made first.
    expect(trainer.chainFor()).toBe(before);
  });

  it("fails an untrained folder's cheap tiers as an artifact problem, naming the command", async () => {
    let seen: TextCascadeTiers<string> | undefined;
    const trainer = defineTextCascadeTrainer(
      options({
        artifactsDir: "./never-trained",
        chain: (tiers, v) => {
          seen = tiers;
          return options().chain(tiers, v);
        },
      }),
    );
    trainer.chainFor();
    const artifactInvalid = expect.objectContaining({
      code: "ARTIFACT_INVALID",
      message: expect.stringMatching(
        /No trained tiers in .*never-trained; train them with `catena train payments/,
      ),
    });
    expect(() => seen?.classifier.predict("lost card")).toThrow(artifactInvalid);
    expect(() => seen?.index.search([1], 1)).toThrow(artifactInvalid);
    await expect(seen?.embedder.embedQuery("lost card")).rejects.toThrow(artifactInvalid);
  });

  it("refuses a folder whose classifier was trained on another number of labels", async () => {
    const trainer = defineTextCascadeTrainer(options());
    const out = join(dir, "two-labels");
    await trainer.train(trainer.split().train, { dev: trainer.split().dev, outDir: out });
    const three = defineTextCascadeTrainer({
      ...options(),
      labels: ["refund", "card", "other"],
    } as unknown as TextCascadeTrainerOptions<string, ReturnType<typeof defineChain>>);
    expect(() => three.chainFor(out)).toThrow(
      expect.objectContaining({
        code: "ARTIFACT_INVALID",
        message: expect.stringMatching(/trained on 2 labels, but the trainer lists 3; retrain/),
      }),
    );
  });

  it("refuses a threshold asked for a name that is no tier of the cascade", () => {
    const typo = defineTextCascadeTrainer(
      options({
        chain: (tiers, v) =>
          options().chain(
            { ...tiers, threshold: (t) => tiers.threshold(t === "classifier" ? "classifer" : t) },
            v,
          ),
      }),
    );
    expect(() => typo.chainFor()).toThrow(
      expect.objectContaining({
        code: "TRAINER_INVALID",
        message: expect.stringMatching(
          /tiers\.threshold\("classifer"\) for no tier of its cascade \(tiers: classifier, neighbours, llm\)/,
        ),
      }),
    );
  });

  it("writes a candidate module that still loads once the project moves, with one instance of the user's module", async () => {
    const project = mkdtempSync(join(tmpdir(), "catena-candidate-move-"));
    try {
      const trainerText = [
        "export const trainer = {",
        '  name: "payments",',
        "  chainFor(dir, options) { return { trainer, dir, version: options.version }; },",
        "  withoutLlm() {},",
        "  chainModule() {},",
        "};",
        "",
      ].join("\n");
      mkdirSync(join(project, "src"));
      writeFileSync(join(project, "src", "chains.mjs"), trainerText);
      const trainer = defineTextCascadeTrainer(
        options({ module: pathToFileURL(join(project, "src", "chains.mjs")).href }),
      );
      const candidate = join(project, "candidates", "payments@1.0.1");
      mkdirSync(candidate, { recursive: true });
      writeFileSync(join(candidate, "chain.mjs"), trainer.chainModule(candidate, "1.0.1"));
      expect(readFileSync(join(candidate, "chain.mjs"), "utf8")).toContain(
        'import * as source from "../../src/chains.mjs";',
      );
      const moved = `${project}-moved`;
      renameSync(project, moved);
      try {
        const movedCandidate = join(moved, "candidates", "payments@1.0.1");
        const loaded = await import(pathToFileURL(join(movedCandidate, "chain.mjs")).href);
        const user = await import(pathToFileURL(join(moved, "src", "chains.mjs")).href);
        expect(loaded.candidate.version).toBe("1.0.1");
        expect(loaded.candidate.dir.replace(/[\\/]$/, "")).toBe(movedCandidate);
        expect(loaded.candidate.trainer).toBe(user.trainer);
      } finally {
        rmSync(moved, { recursive: true, force: true });
      }
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  it("writes a candidate module that imports the user's module and finds the trainer by name", () => {
    const text = defineTextCascadeTrainer(options()).chainModule(join(dir, "cand"), "1.0.3");
    expect(text).toContain('import * as source from "../chains.ts";');
    expect(text).toContain('t.name === "payments"');
    expect(text).toContain('version: "1.0.3"');
    expect(text).toContain('new URL(".", import.meta.url)');
  });

  it("refuses malformed options and callbacks, naming the option", () => {
    const bad = (over: Record<string, unknown>) => () =>
      defineTextCascadeTrainer(options(over as Partial<TextCascadeTrainerOptions<"refund" | "card", never>>));
    expect(bad({ labels: ["refund"] })).toThrow(/labels must list at least two/);
    expect(bad({ labels: ["refund", "refund"] })).toThrow(/labels lists "refund" twice/);
    expect(bad({ module: "chains.ts" })).toThrow(/module must be the module's own import\.meta\.url/);
    expect(bad({ split: { train: "train.csv" } })).toThrow(/split must name the train and dev files/);
    const invalid = (option: string, message: RegExp) =>
      expect.objectContaining({
        code: "TRAINER_INVALID",
        details: expect.objectContaining({ option }),
        message: expect.stringMatching(message),
      });
    expect(bad({ artifactsDir: undefined })).toThrow(
      invalid("artifactsDir", /artifactsDir must be the folder of the trained tiers.*got nothing/),
    );
    expect(bad({ artifactsDir: 3 })).toThrow(invalid("artifactsDir", /got number 3/));
    expect(bad({ split: { train: 42, dev: "dev.csv" } })).toThrow(
      invalid("split.train", /split\.train must be a path or a file URL, got number 42/),
    );
    expect(bad({ split: { train: "train.csv", dev: "" } })).toThrow(invalid("split.dev", /got ""/));
    const other = defineTextCascadeTrainer(
      options({ chain: (tiers, v) => options().chain(tiers, { ...v, version: "9.9.9" }) }),
    );
    expect(() => other.chainFor()).toThrow(
      expect.objectContaining({
        code: "TRAINER_INVALID",
        message: expect.stringMatching(/defined payments@9\.9\.9, not payments@1\.0\.0/),
      }),
    );
    const keepsLlm = defineTextCascadeTrainer(
      options({ chain: (tiers, v) => options().chain({ ...tiers, llm: (...s) => s }, v) }),
    );
    expect(() => keepsLlm.withoutLlm(keepsLlm.chainFor())).toThrow(
      /keeps an LLM tier in the version without it/,
    );
  });

  it("refuses to measure a chain it did not make", () => {
    const trainer = defineTextCascadeTrainer(options());
    const apart = defineTextCascadeTrainer(options()).chainFor();
    expect(() => trainer.withoutLlm(apart)).toThrow(
      expect.objectContaining({ code: "VERSION_NOT_TRAINABLE" }),
    );
  });

  it("refuses data with labels outside the set, with the line", () => {
    writeFileSync(join(dir, "other.csv"), "text,label\nmy pin,pin\n");
    expect(() => defineTextCascadeTrainer(options()).readData(join(dir, "other.csv"))).toThrow(
      expect.objectContaining({ code: "DATASET_INVALID", message: expect.stringMatching(/pin/) }),
    );
  });
});
