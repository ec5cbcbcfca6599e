// N items of a 3-step chain whose steps are all synchronous (x + 1, x, x * 2) through `runBatch`
// (32 workers, no checkpoint, not collected) or `run()`, for counting instructions per item with
// valgrind, which does not move with the machine's load: run it twice, with a small and a large N,
// and divide the difference in instructions by the difference in N (start-up cancels out).
//
//   git -C . archive <commit> packages/core/src | tar -x --strip-components=3 -C packages/core/.before-src
//   CORE=before MODE=batch N=2000  valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//     node --conditions=@catena/source bench/batch/item-instructions.ts
//   CORE=before MODE=batch N=42000 valgrind ...   # then CORE=after (the branch's packages/core/src)
//
// CORE=before imports packages/core/.before-src; CORE=after (default) the branch's core.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";

type Core = typeof import("@catena/core");
const core = (
  process.env.CORE === "before"
    ? await import(pathToFileURL(resolve("packages/core/.before-src/index.ts")).href)
    : await import("@catena/core")
) as Core;
const N = Number(process.env.N ?? 20_000);
const chain = core.defineChain({
  name: "three-sync-steps",
  version: "1.0.0",
  input: z.number(),
  output: z.number(),
  flow: core.sequence(
    core.code("first", (x: number) => x + 1),
    core.code("middle", (x: number) => x),
    core.code("last", (x: number) => x * 2),
  ),
});
if (process.env.MODE === "run") {
  for (let i = 0; i < N; i++) await core.run(chain, i);
} else {
  const summary = await core.runBatch(
    chain,
    Array.from({ length: N }, (_, i) => i),
    { concurrency: 32, collect: false },
  );
  if (summary.done !== N) throw new Error(`${summary.done} of ${N} done`);
}
