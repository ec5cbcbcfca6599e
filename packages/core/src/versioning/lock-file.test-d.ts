/* Type tests of the lock file with per-entry fingerprint schemes. */
import { describe, expectTypeOf, it } from "vitest";
import { type AnyChain, entryScheme, type LockFile, relock } from "../index.ts";

describe("LockFile", () => {
  it("may name a scheme per entry, and an older lock (no scheme at all) is still a LockFile", () => {
    expectTypeOf<LockFile["schemes"]>().toEqualTypeOf<Record<string, string> | undefined>();
    const older: LockFile = { lockfileVersion: 1, chains: { "triage@1.0.0": "f".repeat(64) } };
    expectTypeOf(entryScheme(older, "triage@1.0.0")).toEqualTypeOf<string | undefined>();
    // @ts-expect-error: a scheme is a string, not a flag
    const wrong: LockFile = { lockfileVersion: 1, schemes: { "triage@1.0.0": true }, chains: {} };
    void wrong;
  });

  it("relock takes a lock and the chains loaded now, and gives a lock", () => {
    expectTypeOf(relock).parameters.toEqualTypeOf<[LockFile, Iterable<AnyChain>]>();
    expectTypeOf(relock).returns.toEqualTypeOf<LockFile>();
  });
});
