/*
 * Calibrated thresholds live in a small JSON file next to the chain's other artifacts. The chain
 * definition reads it when it is defined and passes each number to its tier, so the thresholds are
 * part of the chain's fingerprint: recalibrating changes the fingerprint and needs a version bump.
 *
 *   const t = readThresholds(new URL("./artifacts/thresholds.json", import.meta.url), ["linear", "neighbours"]);
 *   cascade("intent", [
 *     { step: classify("linear", { model }), threshold: t.linear },
 *     { step: knn("neighbours", { index, embedder }), threshold: t.neighbours },
 *     llmStep,
 *   ]);
 */
import { readFileSync, writeFileSync } from "node:fs";
import { ArtifactError } from "../errors/ml-errors.ts";
import type { CalibrationResult } from "./calibrate.ts";

/** The thresholds file: thresholds by tier step name, and the calibration report they came from. */
export interface ThresholdsFile {
  format: "catena.thresholds.v1";
  cascade: string;
  targetPrecision: number;
  thresholds: Record<string, number>;
  report: Omit<CalibrationResult, "thresholds" | "warnings">;
}

/** Writes a calibration result as a thresholds file (stable key order, one trailing newline). */
export function writeThresholds(path: string | URL, result: CalibrationResult): void {
  // Warnings are for the person calibrating; the file keeps the numbers (and its bytes stay stable).
  const { thresholds, warnings: _warnings, ...report } = result;
  const file: ThresholdsFile = {
    format: "catena.thresholds.v1",
    cascade: result.cascade,
    targetPrecision: result.targetPrecision,
    thresholds: Object.fromEntries(Object.entries(thresholds).sort(([a], [b]) => (a < b ? -1 : 1))),
    report,
  };
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
}

/**
 * Reads the thresholds of the named tiers from a thresholds file, typed by their names. Throws an
 * `ArtifactError` naming the file when it is unreadable or a tier is missing.
 *
 * @example
 * const t = readThresholds(new URL("./thresholds.json", import.meta.url), ["linear", "neighbours"] as const);
 * t.linear; // number
 */
export function readThresholds<const T extends string>(
  path: string | URL,
  tiers: readonly T[],
): Record<T, number> {
  const file = readThresholdsFile(path);
  const out = {} as Record<T, number>;
  for (const tier of tiers) {
    const value = (file.thresholds as Record<string, unknown>)[tier];
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new ArtifactError(
        `${String(path)} has no threshold for tier "${tier}" (has: ${Object.keys(file.thresholds).join(", ") || "none"}); recalibrate with that tier.`,
        { details: { path: String(path), tier } },
      );
    }
    out[tier] = value;
  }
  return out;
}

/**
 * Every threshold of a thresholds file, by tier step name (for chains whose tier names are the
 * user's, which a `readThresholds` call cannot list ahead). Throws an `ArtifactError` naming the
 * file when it is unreadable or not a thresholds file.
 *
 * @example
 * const t = readAllThresholds("artifacts/thresholds.json"); // { classifier: 0.81, neighbours: 2 }
 */
export function readAllThresholds(path: string | URL): Record<string, number> {
  const file = readThresholdsFile(path);
  return Object.fromEntries(
    Object.entries(file.thresholds).filter(
      (entry): entry is [string, number] => typeof entry[1] === "number" && Number.isFinite(entry[1]),
    ),
  );
}

/** The thresholds file at `path`, checked to be one. */
function readThresholdsFile(
  path: string | URL,
): Partial<ThresholdsFile> & { thresholds: Record<string, unknown> } {
  let file: Partial<ThresholdsFile>;
  try {
    file = JSON.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new ArtifactError(
      `Cannot read thresholds file ${String(path)}: ${(cause as Error).message}; run calibration first.`,
      {
        cause,
        details: { path: String(path) },
      },
    );
  }
  if (
    file.format !== "catena.thresholds.v1" ||
    typeof file.thresholds !== "object" ||
    file.thresholds === null
  ) {
    throw new ArtifactError(
      `${String(path)} is not a Catena thresholds file (format catena.thresholds.v1); rewrite it with writeThresholds.`,
      {
        details: { path: String(path), format: file.format },
      },
    );
  }
  return file as Partial<ThresholdsFile> & { thresholds: Record<string, unknown> };
}
