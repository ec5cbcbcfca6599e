import { createHash } from "node:crypto";
import type { RunOptions } from "./run-types.ts";

/**
 * A number in [0, 1) fixed by `key` and the input: the same input is drawn the same way in every run
 * and process. A hash, not a coin (shadow runs and audits pick the same inputs every time); node's
 * crypto rather than the ml hashes, so that the engine entry does not load `@catena/core/ml`. May
 * throw on an input JSON cannot write (a BigInt, a cycle): callers start their run in a try.
 */
export function backgroundDraw(key: string | undefined, input: unknown): number {
  const json = JSON.stringify(input) ?? "";
  return (
    createHash("sha1")
      .update(key === undefined ? json : `${key}\u0000${json}`)
      .digest()
      .readUInt32BE(0) /
    2 ** 32
  );
}

/**
 * The options of a background run (shadow run, audit) made from its parent run's: without what
 * belongs to the parent alone — its id, token listener, timeout, and its own shadow and audit
 * options (a background run starts no shadow runs nor audits of its own).
 */
export function backgroundRunOptions(
  options: RunOptions,
): Omit<RunOptions, "shadow" | "onToken" | "runId" | "audit" | "timeoutMs"> {
  const { shadow: _s, onToken: _t, runId: _r, audit: _a, timeoutMs: _m, ...rest } = options;
  return rest;
}
