import { describe, expect, it } from "vitest";
import { trainableChainNamed } from "./trainable-chain-named.ts";

const refusal = (name: string) => {
  try {
    trainableChainNamed(name);
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error(`${name} was accepted`);
};

/** The refusal's account of how to train a chain of one's own: the calls, in order. */
const inCode =
  'train a chain of your own in code with @catena/core/ml: `const { classifier } = await trainClassifier(train, { labels, dev })` then `classifier.save("my.classifier")`, define its step as `classify("linear", { model: loadTextClassifier("my.classifier") })` (a knn step: a `VectorIndex` of `LocalEmbedder` vectors, `index.save(file)`), and choose its thresholds with `calibrate(chain, devItems, { targetPrecision: 0.97 })` and `writeThresholds`';

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
      `no trainable chain is named "banking-intent" (trainable: banking-intents); ${inCode}.`,
    );
    expect(refusal("support-triage").message).toBe(
      `chain "support-triage" cannot be trained from the CLI (trainable: banking-intents); ${inCode}.`,
    );
  });

  it("says a chains module is no trainable chain, and how to train one in code", () => {
    for (const path of ["./my-chains.ts", "chains/mine.mjs", "mine.js"]) {
      const error = refusal(path);
      expect(error.code).toBe("CHAIN_NOT_TRAINABLE");
      expect(error.message).toBe(
        `train takes the name of a built-in trainable chain (banking-intents), not a chains module: ${path}; ${inCode}.`,
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
      'chain "support-triage" cannot be calibrated from the CLI (trainable: banking-intents); calibrate a chain of your own in code with calibrate (@catena/core/ml).',
    );
  });
});
