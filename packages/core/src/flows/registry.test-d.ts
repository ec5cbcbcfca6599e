/*
 * Type tests of the construct registry: the node union is the kinds the construct modules declare,
 * and a registry that misses a kind, lists one no module declared, or files a construct under
 * another kind does not compile. A kind declared by a module of this test would join the real
 * `FlowNodeKinds` for the whole package (declaration merging is global), so the failing cases use
 * `ConstructTable` over a copy of it with one kind more.
 */
import { describe, expectTypeOf, it } from "vitest";
import type { AnyStep, FlowNode, FlowNodeKinds } from "../types.ts";
import type { FlowConstruct } from "./construct.ts";
import { mapConstruct } from "./map.ts";
import type { ParallelNode } from "./parallel.ts";
import { type ConstructTable, registered } from "./registry.ts";
import type { SubchainNode } from "./subchain.ts";

/** A construct some module might add. */
interface ShuffleNode {
  readonly type: "shuffle";
  readonly name: string;
}
declare const shuffleConstruct: FlowConstruct<ShuffleNode>;
type WithShuffle = FlowNodeKinds & { shuffle: ShuffleNode };

describe("FlowNodeKinds", () => {
  it("holds the node of every construct module, so that FlowNode is their union", () => {
    // Built-in kinds, from types.ts (step) and from construct modules; a new construct needs no line here.
    expectTypeOf<"step" | "sequence" | "map" | "parallel" | "subchain">().toExtend<keyof FlowNodeKinds>();
    expectTypeOf<keyof typeof registered>().toEqualTypeOf<keyof FlowNodeKinds>();
    expectTypeOf<AnyStep>().toExtend<FlowNode>();
    expectTypeOf<ParallelNode>().toExtend<FlowNode>();
    expectTypeOf<SubchainNode>().toExtend<FlowNode>();
    expectTypeOf<Extract<FlowNode, { type: "map" }>>().toEqualTypeOf<FlowNodeKinds["map"]>();
  });
});

describe("ConstructTable", () => {
  it("accepts one construct per kind", () => {
    const table: ConstructTable = registered;
    const withShuffle: ConstructTable<WithShuffle> = { ...registered, shuffle: shuffleConstruct };
    expectTypeOf(table.map).toExtend<FlowConstruct<FlowNodeKinds["map"]>>();
    expectTypeOf(withShuffle.shuffle).toExtend<FlowConstruct<ShuffleNode>>();
  });

  it("refuses a registry that misses a declared kind", () => {
    // @ts-expect-error shuffle's module declared its node, but the registry has no line for it
    const missing: ConstructTable<WithShuffle> = registered;
    const { subchain: _subchain, ...withoutSubchain } = registered;
    // @ts-expect-error subchain is declared but not listed
    const missingReal: ConstructTable = withoutSubchain;
    expectTypeOf(missing).not.toBeNever();
    expectTypeOf(missingReal).not.toBeNever();
  });

  it("refuses a construct whose node no module declared", () => {
    // @ts-expect-error shuffle is listed, but no module added it to FlowNodeKinds
    const extra: ConstructTable = { ...registered, shuffle: shuffleConstruct };
    expectTypeOf(extra).not.toBeNever();
  });

  it("refuses a construct filed under another kind", () => {
    // @ts-expect-error the map construct under the key "retry"
    const misfiled: ConstructTable = { ...registered, retry: mapConstruct };
    expectTypeOf(misfiled).not.toBeNever();
  });
});
