import { CliError } from "./cli-error.ts";

/**
 * Parses an option that is a share from 0 to 1 (`--min-accuracy`, `--target-precision`): a number
 * (`0.97`) or a percentage (`97%`). A bare number above 1 and up to 100 is refused with the share it
 * most likely meant (`97` → "did you mean 0.97 or 97%?"): taking it as a percentage silently would
 * make `1.5` mean 1.5%. `zero: false` refuses 0 (a precision of 0 accepts every answer).
 */
export function parseShare(text: string, option: string, range: { zero: boolean } = { zero: true }): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(text);
  const value = match ? Number(match[1]) / (match[2] === "%" ? 100 : 1) : Number.NaN;
  const low = range.zero ? "from 0" : "above 0";
  if (!match || !(value <= 1 && (range.zero ? value >= 0 : value > 0))) {
    const meant = match && match[2] === "" && value > 1 && value <= 100 ? value / 100 : undefined;
    throw new CliError(
      `${option} must be a share ${low} to 1 (0.9) or a percentage (90%), got "${text}"` +
        (meant === undefined ? "." : `: did you mean ${meant} (or ${text.trim()}%)?`),
    );
  }
  return value;
}
