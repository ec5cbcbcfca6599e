import { CliError } from "./cli-error.ts";

/** Parses a positive amount of US dollars, for `--max-cost`. */
export function positiveNumber(text: string, option: string): number {
  const n = Number(text);
  if (!(n > 0) || !Number.isFinite(n))
    throw new CliError(`${option} must be a positive number of US dollars, got "${text}".`);
  return n;
}
