import { fileURLToPath } from "node:url";
import { cascade, classify, defineChain, knn, llm } from "@catena/core";
import { defineTextCascadeTrainer } from "@catena/core/ml";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { trainableChainNamed } from "./trainable-chain-named.ts";

const refusal = (name: string) => {
  try {
    trainableChainNamed(name);
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error(`${name} was accepted`);
};

/** The refusal's account of how to make a chain of one's own trainable. */
const inCode =
  "to train a chain of your own, export a trainer beside it from its chains module (`export const trainer = defineTextCascadeTrainer({ name, labels, module: import.meta.url, artifactsDir, split, chain })` from @catena/core/ml, and `export const chain = trainer.chainFor()`) and give the module with --chains or list it in catena.config.json";

/** A user's trainer over a folder with no trained tiers (finding it by name trains nothing). */
const ticketsTrainer = (name = "tickets") =>
  defineTextCascadeTrainer({
    name,
    labels: ["billing", "bug"],
    module: import.meta.url,
    artifactsDir: fileURLToPath(new URL("./no-such-artifacts", import.meta.url)),
    split: { train: "train.csv", dev: "dev.csv" },
    chain: (tiers, { version }) =>
      defineChain({
        name,
        version,
        input: z.object({ text: z.string() }),
        output: z.object({ label: z.string(), confidence: z.number(), tier: z.string() }),
        flow: cascade("label", [
          {
            step: classify("classifier", { model: tiers.classifier }),
            threshold: tiers.threshold("classifier"),
          },
          {
            step: knn("neighbours", { index: tiers.index, embedder: tiers.embedder }),
            threshold: tiers.threshold("neighbours"),
          },
          ...tiers.llm(
            llm("llm", {
              model: "openai:gpt-4.1-mini",
              prompt: { user: "{text}" },
              labels: ["billing", "bug"],
            }),
          ),
        ]),
      }),
  });

describe("trainableChainNamed", () => {
  it("finds a trainable built-in chain by name", () => {
    expect(trainableChainNamed("banking-intents").name).toBe("banking-intents");
  });

  it("says a version is not taken, rather than that the chain cannot be trained", () => {
    const error = refusal("banking-intents@1.0.0");
    expect(error.code).toBe("CHAIN_NOT_TRAINABLE");
    expect(error.message).toBe(
      'train takes a chain\'s name, not a version: give "banking-intents" (it works on its current version, the latest loaded).',
    );
  });

  it("tells a name it does not know from a built-in chain that has no trainable tiers", () => {
    expect(refusal("banking-intent").message).toBe(
      `no trainable chain is named "banking-intent" (trainable: banking-intents (built-in)); ${inCode}.`,
    );
    expect(refusal("support-triage").message).toBe(
      `chain "support-triage" cannot be trained from the CLI (trainable: banking-intents (built-in)); ${inCode}.`,
    );
  });

  it("says a chains module is no trainable chain, and how to train one in code", () => {
    for (const path of ["./my-chains.ts", "chains/mine.mjs", "mine.js"]) {
      const error = refusal(path);
      expect(error.code).toBe("CHAIN_NOT_TRAINABLE");
      expect(error.message).toBe(
        `train takes the name of a trainable chain (banking-intents (built-in)), not a chains module: ${path}; give the module with --chains <module> and the chain's name; ${inCode}.`,
      );
    }
  });

  it("names calibrate, and the function to calibrate with in code, when calibrate asks", () => {
    const refused = (name: string) => {
      try {
        trainableChainNamed(name, "calibrate");
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error(`${name} was accepted`);
    };
    expect(refused("banking-intents@1.0.0")).toMatch(/^calibrate takes a chain's name, not a version/);
    expect(refused("support-triage")).toBe(
      `chain "support-triage" cannot be calibrated from the CLI (trainable: banking-intents (built-in)); ${inCode}.`,
    );
  });

  it("finds a user's trainer by name, and lists it with its module when a name is missing", () => {
    const trainer = ticketsTrainer();
    const user = { trainers: [{ trainer, source: "my-chains.ts" }], malformedTrainers: [] };
    expect(trainableChainNamed("tickets", "train", user)).toBe(trainer);
    expect(trainableChainNamed("banking-intents", "calibrate", user).name).toBe("banking-intents");
    const error = (() => {
      try {
        trainableChainNamed("ticket", "train", user);
      } catch (e) {
        return e as { code: string; message: string; details: unknown };
      }
      throw new Error("accepted");
    })();
    expect(error.code).toBe("CHAIN_NOT_TRAINABLE");
    expect(error.message).toBe(
      `no trainable chain is named "ticket" (trainable: banking-intents (built-in), tickets (my-chains.ts)); ${inCode}.`,
    );
    expect(error.details).toMatchObject({
      trainable: [
        { name: "banking-intents", source: "built-in" },
        { name: "tickets", source: "my-chains.ts" },
      ],
    });
  });

  it("refuses a name two trainers take, naming both modules", () => {
    const user = {
      trainers: [
        { trainer: ticketsTrainer(), source: "a.ts" },
        { trainer: ticketsTrainer(), source: "b.ts" },
      ],
      malformedTrainers: [],
    };
    expect(() => trainableChainNamed("tickets", "train", user)).toThrow(
      expect.objectContaining({
        code: "TRAINER_AMBIGUOUS",
        message:
          '2 trainers are named "tickets": a.ts, b.ts; export one trainer per chain name (remove the other module from --chains or catena.config.json, or rename its chain).',
      }),
    );
    // A user's trainer named as a built-in one is as ambiguous.
    const clash = {
      trainers: [{ trainer: ticketsTrainer("banking-intents"), source: "a.ts" }],
      malformedTrainers: [],
    };
    expect(() => trainableChainNamed("banking-intents", "train", clash)).toThrow(/built-in, a\.ts/);
  });

  it("says what a malformed trainer of that name lacks", () => {
    const user = {
      trainers: [],
      malformedTrainers: [{ name: "tickets", source: "mine.ts", problems: ["train (a function)"] }],
    };
    expect(() => trainableChainNamed("tickets", "train", user)).toThrow(
      expect.objectContaining({
        code: "TRAINER_MALFORMED",
        message:
          'the trainer "tickets" that mine.ts exports is not a trainable chain: it lacks train (a function); make it with defineTextCascadeTrainer (@catena/core/ml), or implement TrainableChain whole.',
      }),
    );
  });
});
