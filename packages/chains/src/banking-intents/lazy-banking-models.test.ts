import { describe, expect, it } from "vitest";
import { BANKING_ARTIFACTS_DIR, readBankingManifest } from "./banking-artifacts.ts";
import { LazyBankingModels } from "./lazy-banking-models.ts";

describe("LazyBankingModels' embedder", () => {
  const models = new LazyBankingModels(BANKING_ARTIFACTS_DIR, readBankingManifest(BANKING_ARTIFACTS_DIR));

  it("embeds as the loaded embedder does, with or without a step's signal", async () => {
    const loaded = (await models.ready()).embedder;
    const signal = new AbortController().signal;
    expect(await models.embedder.embedQuery("my card has not arrived", { signal })).toEqual(
      await loaded.embedQuery("my card has not arrived"),
    );
    expect(await models.embedder.embedDocuments(["a", "b"], { signal })).toEqual(
      await loaded.embedDocuments(["a", "b"]),
    );
  });

  it("rejects with the step's abort when the step has ended", async () => {
    const controller = new AbortController();
    controller.abort(new Error("step timed out"));
    await expect(models.embedder.embedQuery("x", { signal: controller.signal })).rejects.toThrow(
      "step timed out",
    );
    await expect(models.embedder.embedDocuments(["x"], { signal: controller.signal })).rejects.toThrow(
      "step timed out",
    );
  });
});
