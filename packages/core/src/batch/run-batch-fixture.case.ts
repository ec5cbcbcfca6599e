/* What the runBatch tests share: a doubling chain that counts its calls, and results-file readers. */
import { readFile } from "node:fs/promises";
import { expect } from "vitest";
import { z } from "zod";
import { code, defineChain } from "../index.ts";

/** A line of a results file. */
export interface Line {
  index: number;
  status: string;
  output?: { doubled: number };
  input?: unknown;
  runId?: string;
  ms?: number;
  error?: { code: string; message: string };
}

/** The item lines of a results file (not its header), checking it ends with a newline. */
export async function readLines(path: string): Promise<Line[]> {
  const text = await readFile(path, "utf8");
  expect(text === "" || text.endsWith("\n")).toBe(true);
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Line)
    .filter((l) => typeof l.index === "number"); // not the header line
}

/** The items' indexes, sorted. */
export function indicesOf(lines: Line[]): number[] {
  return lines.map((l) => l.index).sort((a, b) => a - b);
}

/** 0 to n - 1. */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A chain that doubles `n`; `calls` counts how many times its step ran. */
export function doubler(opts: { delayMs?: number; failWhen?: (n: number) => boolean } = {}) {
  const state = { calls: 0, inFlight: 0, maxInFlight: 0 };
  const chain = defineChain({
    name: "doubler",
    version: "1.0.0",
    input: z.object({ n: z.number() }),
    output: z.object({ doubled: z.number() }),
    flow: code("double", async ({ n }: { n: number }) => {
      state.calls++;
      state.inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      try {
        if (opts.delayMs) await sleep(opts.delayMs);
        if (opts.failWhen?.(n)) throw new Error(`cannot double ${n}`);
        return { doubled: n * 2 };
      } finally {
        state.inFlight--;
      }
    }),
  });
  return { chain, state };
}
