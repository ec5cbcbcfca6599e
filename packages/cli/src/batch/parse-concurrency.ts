import { CliError } from "../cli-error.ts";

/** Parses `--concurrency`: a whole number >= 1. */
export function parseConcurrency(text: string): number {
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n < 1) {
    throw new CliError(`--concurrency must be a whole number >= 1, got "${text}".`);
  }
  return n;
}
