import type { BatchOptions } from "@catena/core";
import { CliError } from "../cli-error.ts";

/**
 * Parses `--rate`: `N/s` (per second) or `N/m` (per minute), N a whole number >= 1.
 *
 * @example
 * parseRate("10/s") // { perSecond: 10 }
 * parseRate("600/m") // { perMinute: 600 }
 */
export function parseRate(text: string): NonNullable<BatchOptions["rate"]> {
  const match = /^\s*(\d+)\s*\/\s*(s|sec|second|m|min|minute)\s*$/i.exec(text);
  const n = match ? Number(match[1]) : Number.NaN;
  if (!match || !Number.isSafeInteger(n) || n < 1) {
    throw new CliError(
      `--rate must look like 10/s or 600/m (a whole number of items per second or minute), got "${text}".`,
    );
  }
  return (match[2] ?? "s").toLowerCase().startsWith("s") ? { perSecond: n } : { perMinute: n };
}
