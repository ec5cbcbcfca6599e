import { describe, expectTypeOf, it } from "vitest";
import type { SerializedError } from "../errors/catena-error.ts";
import type { BatchOptions, BatchSummary } from "./batch-types.ts";
import type { BatchStoppedError, SystemicFailureKind } from "./provider-failure-streak.ts";

describe("stopAfterFailures", () => {
  it("takes a count or false, nothing else", () => {
    expectTypeOf<{ stopAfterFailures: 5 }>().toExtend<BatchOptions>();
    expectTypeOf<{ stopAfterFailures: false }>().toExtend<BatchOptions>();
    expectTypeOf<{ stopAfterFailures: true }>().not.toExtend<BatchOptions>();
    expectTypeOf<{ stopAfterFailures: "never" }>().not.toExtend<BatchOptions>();
  });

  it("reports the stop as a serialized BATCH_STOPPED error on the summary", () => {
    expectTypeOf<BatchSummary["stopError"]>().toEqualTypeOf<SerializedError | undefined>();
    expectTypeOf<BatchStoppedError["code"]>().toExtend<string>();
    expectTypeOf<BatchStoppedError["failure"]["kind"]>().toEqualTypeOf<SystemicFailureKind>();
    expectTypeOf<SystemicFailureKind>().toEqualTypeOf<"auth" | "quota" | "unknown-model">();
  });
});
