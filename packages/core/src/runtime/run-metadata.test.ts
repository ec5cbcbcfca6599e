import { describe, expect, it } from "vitest";
import { z } from "zod";
import { runBatch } from "../batch/run-batch.ts";
import { defineChain } from "../compile/define-chain.ts";
import { code } from "../steps/code-step.ts";
import type { StepContext } from "../types.ts";
import { run } from "./runner.ts";

const n = z.object({ n: z.number() });

/** A chain of one code step that gives back what `body` returns from the step's context. */
function chainOf(name: string, body: (ctx: StepContext) => unknown) {
  return defineChain({
    name,
    version: "1.0.0",
    input: n,
    output: z.unknown(),
    flow: code("look", (_: { n: number }, ctx) => body(ctx)),
  });
}

/**
 * How lodash's `cloneDeep` and klona copy an object: a new object on the same prototype, then
 * each key assigned (`copy[key] = value`), which goes up the prototype chain for a new key.
 */
function cloneKeepingPrototype(value: object): Record<string, unknown> {
  const copy = Object.create(Object.getPrototypeOf(value)) as Record<string, unknown>;
  for (const key of Object.keys(value)) copy[key] = (value as Record<string, unknown>)[key];
  return copy;
}

describe("ctx.metadata, the read-only view of a run's metadata", () => {
  it("lets a cloner that keeps the prototype (lodash cloneDeep, klona) write into its copy, and still refuses writes into the view", async () => {
    const chain = chainOf("prototype-cloner", (ctx) => {
      const copy = cloneKeepingPrototype(ctx.metadata);
      copy.user = "grace";
      copy.seen = true;
      const refused = (write: () => void) => {
        try {
          write();
          return "written";
        } catch (error) {
          return (error as { code?: string }).code;
        }
      };
      return {
        copy: { ...copy },
        sameProto: Object.getPrototypeOf(copy) === Object.getPrototypeOf(ctx.metadata),
        existing: refused(() => {
          (ctx.metadata as Record<string, unknown>).user = "x";
        }),
        added: refused(() => {
          (ctx.metadata as Record<string, unknown>).tenant = "t1";
        }),
        metadata: { ...ctx.metadata },
      };
    });
    const expected = {
      copy: { user: "grace", seen: true },
      sameProto: true,
      existing: "CHAIN_DEFINITION",
      added: "CHAIN_DEFINITION",
      metadata: { user: "ada" },
    };
    const one = await run(chain, { n: 1 }, { metadata: { user: "ada" } });
    expect(one.status === "done" && one.output).toEqual(expected);
    const batch = await runBatch(chain, [{ n: 1 }], { metadata: { user: "ada" }, collect: true });
    expect(batch.results?.[0]?.output).toEqual(expected);
  });

  it("keeps the symbol keys the run was given, read-only like the others", async () => {
    const tenant = Symbol("tenant");
    const chain = chainOf("symbol-reader", (ctx) => {
      const metadata = ctx.metadata as Record<string | symbol, unknown>;
      let refused: unknown;
      try {
        metadata[tenant] = "t2";
      } catch (error) {
        refused = error;
      }
      return { tenant: metadata[tenant], user: metadata.user, refused };
    });
    const metadata = { user: "ada", [tenant]: "t1" };
    const expected = {
      tenant: "t1",
      user: "ada",
      refused: expect.objectContaining({
        code: "CHAIN_DEFINITION",
        details: { metadataKey: "Symbol(tenant)" },
      }),
    };
    const one = await run(chain, { n: 1 }, { metadata });
    expect(one.status === "done" && one.output).toEqual(expected);
    const batch = await runBatch(chain, [{ n: 1 }, { n: 2 }], { metadata, collect: true });
    expect(batch.results?.map((r) => r.output)).toEqual([expected, expected]);
  });

  it("does not let one step change the prototype every run's view shares", async () => {
    const tamper = chainOf("tamperer", (ctx) => {
      const guard = Object.getPrototypeOf(ctx.metadata) as object;
      const outcome = (change: () => void) => {
        try {
          change();
          return "changed";
        } catch (error) {
          return error instanceof TypeError ? "TypeError" : (error as { code?: string }).code;
        }
      };
      return {
        setPrototypeOf: outcome(() => Object.setPrototypeOf(guard, null)),
        write: outcome(() => {
          (guard as Record<string, unknown>).polluted = true;
        }),
        define: outcome(() => Object.defineProperty(guard, "polluted", { value: true })),
      };
    });
    const tampered = await run(tamper, { n: 1 }, { metadata: { user: "ada" } });
    expect(tampered.status === "done" && tampered.output).toEqual({
      setPrototypeOf: "TypeError",
      write: "CHAIN_DEFINITION",
      define: "CHAIN_DEFINITION",
    });

    const later = chainOf("later-run", (ctx) => ({
      hasUser: Object.hasOwn(ctx.metadata, "user"),
      methods: typeof ctx.metadata.hasOwnProperty === "function" && String(ctx.metadata),
      polluted: "polluted" in ctx.metadata,
    }));
    const after = await run(later, { n: 1 }, { metadata: { user: "bob" } });
    expect(after.status === "done" && after.output).toEqual({
      hasUser: true,
      methods: "[object Object]",
      polluted: false,
    });
  });
});
