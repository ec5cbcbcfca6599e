import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import type { AnyChain } from "../compile/chain.ts";
import { defineChain } from "../compile/define-chain.ts";
import { cascade } from "../flows/cascade.ts";
import { classify } from "../steps/classify-step.ts";
import { llm } from "../steps/llm-step.ts";
import {
  defineTextCascadeTrainer,
  type TextCascadeTiers,
  type TextCascadeTrainer,
  type TextCascadeVersion,
} from "./define-text-cascade-trainer.ts";
import type { TrainableChain } from "./trainable-chain.ts";

const input = z.object({ text: z.string() });
const output = z.object({ label: z.string(), confidence: z.number(), tier: z.string() });
const chainOver = (tiers: TextCascadeTiers<"billing" | "bug">, { version }: TextCascadeVersion) =>
  defineChain({
    name: "tickets",
    version,
    input,
    output,
    flow: cascade("label", [
      { step: classify("classifier", { model: tiers.classifier }), threshold: tiers.threshold("classifier") },
      ...tiers.llm(
        llm("llm", {
          model: "openai:gpt-4.1-mini-2025-04-14",
          prompt: { user: "{text}" },
          labels: ["billing", "bug"],
        }),
      ),
    ]),
  });
const base = {
  name: "tickets",
  module: "file:///project/chains.ts",
  artifactsDir: "./artifacts",
  split: { train: "./train.csv", dev: "./dev.csv" },
};

describe("defineTextCascadeTrainer's types", () => {
  it("gives the user's chain type back, and is a TrainableChain", () => {
    const trainer = defineTextCascadeTrainer({ ...base, labels: ["billing", "bug"], chain: chainOver });
    expectTypeOf(trainer).toEqualTypeOf<TextCascadeTrainer<ReturnType<typeof chainOver>>>();
    expectTypeOf(trainer.chainFor()).toEqualTypeOf<ReturnType<typeof chainOver>>();
    expectTypeOf(trainer).toExtend<TrainableChain>();
    expectTypeOf(trainer.withoutLlm).returns.toEqualTypeOf<AnyChain>();
  });

  it("types the tiers by the label set, and the version asked for", () => {
    defineTextCascadeTrainer({
      ...base,
      labels: ["billing", "bug", "login"],
      chain: (tiers, version) => {
        expectTypeOf(tiers.labels).toEqualTypeOf<readonly ("billing" | "bug" | "login")[]>();
        expectTypeOf(tiers.threshold).toEqualTypeOf<(tier: string) => number>();
        expectTypeOf(tiers.llm(1, 2)).toEqualTypeOf<number[]>();
        expectTypeOf(version).toEqualTypeOf<TextCascadeVersion>();
        expectTypeOf(version.version).toEqualTypeOf<string>();
        return chainOver(tiers as unknown as TextCascadeTiers<"billing" | "bug">, version);
      },
    });
  });

  it("refuses options of the wrong shape", () => {
    // @ts-expect-error a label set has two labels at least
    defineTextCascadeTrainer({ ...base, labels: ["billing"], chain: chainOver });
    // A callback over any label set, so that only the labels themselves can be wrong below.
    const overAnyLabels = (tiers: TextCascadeTiers<string>, version: TextCascadeVersion) =>
      chainOver(tiers as unknown as TextCascadeTiers<"billing" | "bug">, version);
    defineTextCascadeTrainer({ ...base, labels: ["a", "b"], chain: overAnyLabels });
    // @ts-expect-error labels are strings
    defineTextCascadeTrainer({ ...base, labels: [1, 2], chain: overAnyLabels });
    const { module: _module, ...withoutModule } = base;
    // @ts-expect-error the module's URL is needed: the candidates import it
    defineTextCascadeTrainer({ ...withoutModule, labels: ["billing", "bug"], chain: chainOver });
    defineTextCascadeTrainer({
      ...base,
      // @ts-expect-error the split names a dev file too
      split: { train: "train.csv" },
      labels: ["billing", "bug"],
      chain: chainOver,
    });
    // @ts-expect-error the chain callback returns a chain
    defineTextCascadeTrainer({ ...base, labels: ["billing", "bug"], chain: () => ({ name: "tickets" }) });
    // @ts-expect-error chainFor takes a folder and a version, not a version alone
    defineTextCascadeTrainer({ ...base, labels: ["billing", "bug"], chain: chainOver }).chainFor({
      version: "1.0.1",
    });
  });
});
