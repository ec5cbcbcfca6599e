/*
 * Type tests of the Embedder contract: embedders written before it took options still fit it, and
 * Catena's own embedders take the signal a knn step passes (OpenAiEmbedder sends no request once it
 * aborts, LocalEmbedder embeds no further batch: their own tests show it).
 */
import { describe, expectTypeOf, it } from "vitest";
import type { OpenAiEmbedder } from "../langchain/openai-embedder.ts";
import type { LocalEmbedder } from "../ml/local-embedder.ts";
import type { Embedder, EmbedOptions } from "./step-kinds.ts";

describe("Embedder", () => {
  it("is met by an embedder that takes no options", () => {
    const plain = {
      id: "plain:d2",
      dimension: 2,
      embedQuery: async (_text: string) => [0, 1],
      embedDocuments: async (texts: string[]) => texts.map(() => [0, 1]),
    };
    expectTypeOf(plain).toExtend<Embedder>();
  });

  it("is met by Catena's embedders, which take a signal", () => {
    expectTypeOf<OpenAiEmbedder>().toExtend<Embedder>();
    expectTypeOf<LocalEmbedder>().toExtend<Embedder>();
    expectTypeOf<OpenAiEmbedder["embedQuery"]>().parameter(1).toEqualTypeOf<EmbedOptions | undefined>();
    expectTypeOf<OpenAiEmbedder["embedDocuments"]>().parameter(1).toEqualTypeOf<EmbedOptions | undefined>();
    expectTypeOf<LocalEmbedder["embedQuery"]>().parameter(1).toEqualTypeOf<EmbedOptions | undefined>();
    expectTypeOf<LocalEmbedder["embedDocuments"]>().parameter(1).toEqualTypeOf<EmbedOptions | undefined>();
    expectTypeOf<EmbedOptions>().toEqualTypeOf<{ signal?: AbortSignal }>();
    // @ts-expect-error: a signal, not a timeout in milliseconds
    const wrong: EmbedOptions = { signal: 100 };
    void wrong;
  });
});
