import { describe, expect, it } from "vitest";
import { z } from "zod";
import { branch, code, defineChain, run, sequence } from "../index.ts";

/** Keeps the CPU busy for `ms`: work that is not a step's, yet takes time before it. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {}
}

/** When the last input check began and ended, on the monotonic clock the run's steps are timed by. */
const check = { start: 0, end: 0 };

/** An input check that takes 15 ms, and notes when it ran. */
function checkedSlowly(): boolean {
  check.start = performance.now();
  busy(15);
  check.end = performance.now();
  return true;
}

/** A chain whose input check takes 15 ms and whose steps take none. */
function slowInputChain(flow: "straight" | "walked") {
  const quick = code("quick", (d: { text: string }) => ({ text: d.text }));
  return defineChain({
    name: `slow-input-${flow}`,
    version: "1.0.0",
    input: z.object({ text: z.string().refine(checkedSlowly) }),
    output: z.object({ text: z.string() }),
    flow:
      flow === "straight"
        ? sequence(
            quick,
            code("after", (d: { text: string }) => d),
          )
        : sequence(
            quick,
            branch("check", [{ when: () => false, flow: code("never", (d: { text: string }) => d) }], {
              otherwise: code("after", (d: { text: string }) => d),
            }),
          ),
  });
}

describe("a step's start time", () => {
  for (const flow of ["straight", "walked"] as const) {
    it(`is where the step starts, not the run's start: the input's check is the run's time, not the first step's (${flow})`, async () => {
      const result = await run(slowInputChain(flow), { text: "hi" });
      const after = performance.now();
      expect(result.status).toBe("done");
      const [first] = result.steps;
      expect(first?.name).toBe("quick");
      // The run's clock started before the check began and the step after it ended, so the step
      // started at least the check's length after the run did (the wall clock is in whole ms)...
      expect(first?.startedAt).toBeGreaterThanOrEqual(result.startedAt + Math.floor(check.end - check.start));
      // ...and its time is its own: it ran between the check's end and the run's return. No bound
      // in milliseconds: a loaded machine may take its time anywhere.
      expect(first?.ms).toBeLessThanOrEqual(after - check.end);
    });
  }
});
