import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { EvalsError } from "./evals-error.ts";

/** One measurement of a judge against human labels, tied to the judge's fingerprint. */
export interface AlignmentRecord {
  /** The judge fingerprint (prompt, model, rubric, scale) the measurement holds for. */
  fingerprint: string;
  model: string;
  kappa: number;
  tpr: number | null;
  tnr: number | null;
  n: number;
  /** ISO date-time of the measurement. */
  date: string;
  /** Where the human labels came from: a file path or `feedback:<key>`. */
  labels: string;
}

/** A judge's record file: its alignment measurements, newest last. */
export interface JudgeRecord {
  format: "catena.judge-record.v1";
  name: string;
  alignments: AlignmentRecord[];
}

/** The default folder of judge records, relative to the project: `.catena/judges/<name>.json`. */
export const JUDGE_RECORDS_DIR = ".catena/judges";

/** The path of a judge's record file. */
export function judgeRecordPath(directory: string, name: string): string {
  return join(directory, `${name}.json`);
}

/** Reads a judge's record; a judge never aligned has an empty one. */
export async function readJudgeRecord(directory: string, name: string): Promise<JudgeRecord> {
  const path = judgeRecordPath(directory, name);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return { format: "catena.judge-record.v1", name, alignments: [] };
  }
  const record = JSON.parse(text) as JudgeRecord;
  if (record.format !== "catena.judge-record.v1" || !Array.isArray(record.alignments)) {
    throw new EvalsError(
      "JUDGE_NOT_ALIGNED",
      `${path} is not a judge record (format catena.judge-record.v1); delete it and run \`catena judge align ${name}\` again.`,
      { details: { path } },
    );
  }
  return record;
}

/** Appends an alignment measurement to a judge's record (written through a temporary file). */
export async function appendAlignment(
  directory: string,
  name: string,
  alignment: AlignmentRecord,
): Promise<string> {
  const record = await readJudgeRecord(directory, name);
  record.alignments.push(alignment);
  const path = judgeRecordPath(directory, name);
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(record, null, 2)}\n`);
  await rename(temporary, path);
  return path;
}

/**
 * The newest alignment of a judge for its current fingerprint, if its kappa reaches `minKappa`;
 * otherwise throws `JUDGE_NOT_ALIGNED` saying what is missing: no record for this fingerprint (the
 * prompt, model or rubric changed since, or it was never measured) or agreement below the minimum.
 */
export async function requireAlignedJudge(
  directory: string,
  judge: { name: string; fingerprint: string },
  minKappa: number,
): Promise<AlignmentRecord> {
  const record = await readJudgeRecord(directory, judge.name);
  const current = record.alignments.filter((a) => a.fingerprint === judge.fingerprint).at(-1);
  if (current === undefined) {
    const stale = record.alignments.length > 0;
    throw new EvalsError(
      "JUDGE_NOT_ALIGNED",
      `judge ${judge.name} has no alignment record for its current fingerprint ${judge.fingerprint.slice(0, 12)}${stale ? " (its prompt, model or rubric changed since it was last measured)" : ""}; a gate cannot trust it. Run \`catena judge align ${judge.name} --labels <file>\` first.`,
      { details: { judge: judge.name, fingerprint: judge.fingerprint, records: record.alignments.length } },
    );
  }
  if (!(current.kappa >= minKappa)) {
    throw new EvalsError(
      "JUDGE_NOT_ALIGNED",
      `judge ${judge.name} agrees with people at kappa ${current.kappa.toFixed(2)} (n=${current.n}, ${current.date.slice(0, 10)}), below the minimum ${minKappa}; improve its rubric or prompt and align it again, or lower --min-kappa.`,
      { details: { judge: judge.name, kappa: current.kappa, minKappa } },
    );
  }
  return current;
}
