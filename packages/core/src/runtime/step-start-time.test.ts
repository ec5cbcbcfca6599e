import { describe, expect, it } from "vitest";
import { z } from "zod";
import { branch, code, defineChain, run, sequence } from "../index.ts";

/** Keeps the CPU busy for `ms`: work that is not a step's, yet takes time before it. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {}
}

/** An input check that takes 15 ms. */
function checkedSlowly(): boolean {
  busy(15);
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
      expect(result.status).toBe("done");
      expect(result.ms).toBeGreaterThanOrEqual(15);
      const [first] = result.steps;
      expect(first?.name).toBe("quick");
      expect(first?.ms).toBeLessThan(5);
      // Started once the input was checked: 15 ms after the run did (the clock is in whole ms).
      expect(first?.startedAt).toBeGreaterThanOrEqual(result.startedAt + 14);
    });
  }
});
