import { describe, expect, it } from "vitest";
import { z } from "zod";
import { runBatch } from "../batch/run-batch.ts";
import { defineChain } from "../compile/define-chain.ts";
import { branch, retry, sequence } from "../flows/flow-nodes.ts";
import { code } from "../steps/code-step.ts";
import { stepContext } from "./run-step.ts";
import { run } from "./runner.ts";

/** Keeps the CPU busy for `ms`: user code that takes time without awaiting anything. */
function busy(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // spin
  }
}

const n = z.object({ n: z.number() });

// User code the engine calls besides steps (schemas' refinements and transforms, guards) and
// values steps give that are not native promises.
describe("user code around the steps", () => {
  it("takes a step's non-native thenable as the promise it is, not as the output", async () => {
    const chain = defineChain({
      name: "thenable",
      version: "1.0.0",
      input: n,
      output: z.object({ doubled: z.number() }),
      flow: code("double", ({ n }: { n: number }) => {
        const thenable = {
          // biome-ignore lint/suspicious/noThenProperty: the thenable is the point of the test
          then: (resolve: (v: { doubled: number }) => void) => resolve({ doubled: n * 2 }),
        };
        return thenable as unknown as Promise<{ doubled: number }>;
      }),
    });
    const r = await run(chain, { n: 4 });
    expect(r.status === "done" && r.output).toEqual({ doubled: 8 });
  });

  it("fails the run with INPUT_VALIDATION when the input schema itself throws, and a batch goes on", async () => {
    const chain = defineChain({
      name: "picky",
      version: "1.0.0",
      input: n.transform((v) => {
        if (v.n < 0) throw new Error("negative numbers are not handled");
        return v;
      }),
      output: n,
      flow: code("same", (v: { n: number }) => v),
    });
    const r = await run(chain, { n: -1 });
    expect(r.status).toBe("error");
    if (r.status !== "error") return;
    expect(r.error.code).toBe("INPUT_VALIDATION");
    expect(r.error.message).toContain('the schema threw "negative numbers are not handled"');
    expect(r.error.cause).toBeInstanceOf(Error);

    const summary = await runBatch(chain, [{ n: 1 }, { n: -1 }, { n: 3 }], { collect: true });
    expect(summary.status).toBe("done");
    expect(summary.results?.map((i) => [i.status, i.error?.code])).toEqual([
      ["done", undefined],
      ["error", "INPUT_VALIDATION"],
      ["done", undefined],
    ]);
  });

  it("counts a slow guard and a slow output refinement in the run's ms, alone and in a batch", async () => {
    const chain = defineChain({
      name: "slow-edges",
      version: "1.0.0",
      input: n,
      output: n.refine(() => {
        busy(30);
        return true;
      }),
      flow: sequence(
        code("first", (v: { n: number }) => v),
        branch("route", [
          {
            when: () => {
              busy(30);
              return false;
            },
            flow: code("never", (v: { n: number }) => v),
          },
        ]),
      ),
    });
    const r = await run(chain, { n: 1 });
    expect(r.status).toBe("done");
    expect(r.ms).toBeGreaterThanOrEqual(59);
    const summary = await runBatch(chain, [{ n: 1 }], { collect: true });
    expect(summary.results?.[0]?.ms).toBeGreaterThanOrEqual(59);
  });

  it("gives each run's steps its metadata as it was when the run started, and keeps a step from changing it for later steps and runs", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const chain = defineChain({
      name: "metadata-reader",
      version: "1.0.0",
      input: n,
      output: z.object({ user: z.unknown(), later: z.unknown() }),
      flow: sequence(
        code("first", async ({ n }: { n: number }, ctx) => {
          if (n === 1) await gate;
          return { n, user: ctx.metadata.user };
        }),
        code("second", ({ user }: { n: number; user: unknown }, ctx) => {
          try {
            // A JavaScript step (or a cast) writing into the metadata.
            (ctx.metadata as Record<string, unknown>).user = "written by a step";
          } catch {
            // Frozen: the write is refused.
          }
          return { user, later: ctx.metadata.user };
        }),
      ),
    });
    const metadata: Record<string, unknown> = { user: "ada" };
    const first = run(chain, { n: 1 }, { metadata });
    // The caller reuses its object for the next run while the first is still going.
    metadata.user = "grace";
    const second = await run(chain, { n: 2 }, { metadata });
    release();
    expect((await first).output).toEqual({ user: "ada", later: "ada" });
    expect(second.output).toEqual({ user: "grace", later: "grace" });
    expect(metadata).toEqual({ user: "grace" });
    const batch = await runBatch(chain, [{ n: 2 }, { n: 2 }], {
      metadata: { user: "b" },
      collect: true,
      concurrency: 1,
    });
    expect(batch.results?.map((r) => r.output)).toEqual([
      { user: "b", later: "b" },
      { user: "b", later: "b" },
    ]);
    const none = await run(chain, { n: 2 });
    expect(none.output).toEqual({ user: undefined, later: undefined });
  });

  it("fails a step that writes into ctx.metadata with an error naming it, not a bare TypeError, in a batch too, and retry() leaves it", async () => {
    const chain = defineChain({
      name: "metadata-writer",
      version: "1.0.0",
      input: n,
      output: z.unknown(),
      flow: retry(
        code("write", (_: { n: number }, ctx) => {
          (ctx.metadata as Record<string, unknown>).user = "written by a step";
          return {};
        }),
        { attempts: 3, backoff: { initialMs: 1 } },
      ),
    });
    const expected = {
      code: "STEP_FAILED",
      message: expect.stringContaining("ctx.metadata.user"),
      cause: { code: "CHAIN_DEFINITION", details: { metadataKey: "user" } },
    };
    const given = await run(chain, { n: 1 }, { metadata: { user: "ada" } });
    expect(given.status === "error" ? given.error : undefined).toMatchObject(expected);
    expect(given.steps).toHaveLength(1);
    const none = await run(chain, { n: 1 });
    expect(none.status === "error" ? none.error : undefined).toMatchObject(expected);
    const batch = await runBatch(chain, [{ n: 1 }, { n: 2 }], { metadata: { user: "b" }, collect: true });
    expect(batch.results?.map((r) => r.error)).toMatchObject([expected, expected]);
  });

  it("lets a step clone ctx.metadata with structuredClone, in a run and in a batch, and still refuses a new key", async () => {
    const chain = defineChain({
      name: "metadata-cloner",
      version: "1.0.0",
      input: n,
      output: z.unknown(),
      flow: code("clone", (_: { n: number }, ctx) => {
        const copy: Record<string, unknown> = structuredClone(ctx.metadata);
        copy.seen = true;
        return { copy, keys: Object.keys(ctx.metadata), json: JSON.stringify(ctx.metadata) };
      }),
    });
    const metadata = { user: "ada", tags: ["a"] };
    const one = await run(chain, { n: 1 }, { metadata });
    expect(one.output).toEqual({
      copy: { user: "ada", tags: ["a"], seen: true },
      keys: ["user", "tags"],
      json: '{"user":"ada","tags":["a"]}',
    });
    const batch = await runBatch(chain, [{ n: 1 }], { metadata, collect: true });
    expect(batch.results?.[0]?.output).toEqual(one.output);
    const none = await run(chain, { n: 1 });
    expect(none.output).toEqual({ copy: { seen: true }, keys: [], json: "{}" });

    const adding = defineChain({
      name: "metadata-adder",
      version: "1.0.0",
      input: n,
      output: z.unknown(),
      flow: code("add", (_: { n: number }, ctx) => {
        (ctx.metadata as Record<string, unknown>).tenant = "t1";
        return {};
      }),
    });
    const added = await run(adding, { n: 1 }, { metadata });
    expect(added.status === "error" ? added.error : undefined).toMatchObject({
      cause: { code: "CHAIN_DEFINITION", details: { metadataKey: "tenant" } },
    });
  });

  it("gives a step called outside a run (stepContext: calibrate, the step contract test) the same read-only metadata", () => {
    const given = { calibration: true };
    const ctx = stepContext({
      runId: "r",
      chain: { name: "c", version: "1.0.0", fingerprint: "f" },
      input: {},
      metadata: given,
    });
    expect(ctx.metadata).toEqual({ calibration: true });
    expect(() => {
      (ctx.metadata as Record<string, unknown>).calibration = false;
    }).toThrow(/ctx\.metadata\.calibration.*read-only/);
    expect(given).toEqual({ calibration: true });
    const bare = stepContext({
      runId: "r",
      chain: { name: "c", version: "1.0.0", fingerprint: "f" },
      input: {},
    });
    expect(() => {
      (bare.metadata as Record<string, unknown>).x = 1;
    }).toThrow(/ctx\.metadata\.x/);
  });
});
