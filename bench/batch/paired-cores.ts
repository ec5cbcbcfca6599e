// The two copies of the core that the paired batch scripts compare, and the batch benchmark's
// chain built with either: x + 1, then `middle`, then x * 2.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { stringArg } from "../lib/report.ts";

/** The core's public API, as both copies have it. */
export type Core = typeof import("@catena/core");

/** The branch's core, and the copy in `--before` (default packages/core/.before-src). */
export async function pairedCores(): Promise<readonly (readonly ["before" | "after", Core])[]> {
  const after = (await import("@catena/core")) as Core;
  const before = (await import(
    pathToFileURL(resolve(stringArg("before") ?? "packages/core/.before-src", "index.ts")).href
  )) as Core;
  return [
    ["before", before],
    ["after", after],
  ];
}

/** The benchmark's 3-step chain under `core`; `deps` declares what `middle` reads from outside. */
export function threeSteps(core: Core, middle: (x: number) => Promise<number>, deps: unknown[] = []) {
  return core.defineChain({
    name: "three-steps",
    version: "1.0.0",
    input: z.number(),
    output: z.number(),
    flow: core.sequence(
      core.code("first", (x: number) => x + 1),
      core.code("middle", middle, { deps: deps as never }),
      core.code("last", (x: number) => x * 2),
    ),
  });
}
