import { thresholdText } from "@catena/core";
import type { FeedbackTally, TraceNode, TraceSummary, TraceTree } from "@catena/core/tracing";
import { duration } from "../format/duration.ts";
import { fitTable } from "../format/fit-table.ts";
import { plural } from "../format/plural.ts";
import { table } from "../format/table.ts";
import { truncate } from "../format/truncate.ts";

/**
 * How many characters of a run id `catena traces` shows: the last ones, since run ids are UUID v7 and
 * begin with a timestamp that runs of the same minute share. `catena trace` takes such a short id.
 */
export const SHORT_RUN_ID = 8;

/**
 * Recent runs as the table `catena traces` prints, within `width` columns (80 unless the terminal
 * says otherwise): short run ids, the age of each run (as kubectl shows it), no cost column when
 * nothing cost anything, no column that is empty for every run, and long feedback, tier and chain
 * texts cut, in that order. `--json` has everything in full.
 */
export function tracesTable(runs: readonly TraceSummary[], width = 80, now = Date.now()): string {
  const rows = runs.map((r) => [
    r.runId.slice(-SHORT_RUN_ID),
    age(r.startedAt, now),
    r.version === undefined ? r.chain : `${r.chain}@${r.version}`,
    r.status,
    r.tier ?? "-",
    r.ms === undefined ? "-" : duration(r.ms),
    r.costUsd ? money(r.costUsd) : "-",
    feedbackText(r.feedback),
  ]);
  return fitTable([["RUN", "AGE", "CHAIN", "STATUS", "TIER", "TIME", "COST", "FEEDBACK"], ...rows], {
    width,
    shrinkable: [
      { column: 7, minWidth: 10 },
      { column: 4, minWidth: 10 },
      { column: 2, minWidth: 14 },
    ],
  });
}

/** How long ago an ISO time was, in its largest unit: `45s`, `12m`, `3h`, `5d`. */
export function age(iso: string, now: number = Date.now()): string {
  const time = Date.parse(iso);
  if (!Number.isFinite(time)) return "-";
  const s = Math.max(0, Math.floor((now - time) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** A run and its steps as an indented tree with timings, tier, confidence and cost. */
export function traceTreeText(tree: TraceTree, project?: string): string {
  const head = [
    `${tree.version === undefined ? tree.chain : `${tree.chain}@${tree.version}`}  run ${tree.runId}`,
    `${tree.status}${tree.ms === undefined ? "" : `  ${duration(tree.ms)}`}`,
    `started ${localTime(tree.startedAt)}`,
    ...(project === undefined ? [] : [`project ${project}`]),
    ...(tree.tier === undefined ? [] : [`tier ${tree.tier}`]),
    ...(tree.costUsd ? [`cost ${money(tree.costUsd)}`] : []),
  ].join("  ·  ");
  const rows: string[][] = [["STEP", "KIND", "STATUS", "TIME", "DETAILS"]];
  const walk = (nodes: readonly TraceNode[], prefix: string): void => {
    nodes.forEach((node, i) => {
      const last = i === nodes.length - 1;
      rows.push([
        `${prefix}${last ? "└─ " : "├─ "}${node.name}`,
        node.kind ?? node.runType,
        stepStatus(node),
        node.ms === undefined ? "-" : duration(node.ms),
        details(node),
      ]);
      walk(node.children, `${prefix}${last ? "   " : "│  "}`);
    });
  };
  walk(tree.children, "");
  const error = tree.error === undefined ? "" : `error: ${tree.error.split("\n")[0]}\n`;
  const io = `input   ${ioText(tree.inputs)}\n${tree.outputs === undefined ? "" : `output  ${ioText(tree.outputs)}\n`}`;
  return `${head}\n${io}${error}${rows.length > 1 ? table(rows) : "(no steps recorded)\n"}`;
}

/** How many characters of a run's input or output `catena trace` shows (all of it with `--json`). */
export const IO_TEXT_LIMIT = 300;

/** A run's input or output as one line of compact JSON, cut at {@link IO_TEXT_LIMIT}. */
function ioText(value: Record<string, unknown>): string {
  const text = JSON.stringify(value) ?? "-";
  return text.length <= IO_TEXT_LIMIT ? text : `${truncate(text, IO_TEXT_LIMIT)} (all of it: --json)`;
}

/** Feedback tallies as `rating 4.0 (3), correctness 0.50 (2)`. */
export function feedbackText(feedback: Record<string, FeedbackTally>): string {
  const parts = Object.entries(feedback).map(
    ([key, t]) => `${key} ${t.meanScore === undefined ? "" : `${score(t.meanScore)} `}(${t.count})`,
  );
  return parts.length === 0 ? "-" : parts.join(", ");
}

function stepStatus(node: TraceNode): string {
  if (node.accepted === true) return "accepted";
  if (node.status === "escalated" || node.accepted === false)
    return node.status === "done" ? "best" : node.status;
  return node.status;
}

function details(node: TraceNode): string {
  const parts: string[] = [];
  if (node.tier !== undefined && node.kind === "cascade") parts.push(`tier ${node.tier}`);
  if (node.confidence !== undefined) {
    parts.push(
      `confidence ${round2(node.confidence)}${node.threshold === undefined ? "" : ` (threshold ${thresholdText(node.threshold)})`}`,
    );
  } else if (node.threshold !== undefined) parts.push(`threshold ${thresholdText(node.threshold)}`);
  if (node.attempt !== undefined && node.attempt > 1) parts.push(`attempt ${node.attempt}`);
  if (node.model !== undefined) parts.push(modelText(node.model));
  if (node.tokens !== undefined) parts.push(plural(node.tokens, "token"));
  if (node.costUsd) parts.push(money(node.costUsd));
  if (node.error !== undefined) parts.push(`error: ${node.error.split("\n")[0]}`);
  return parts.join(", ");
}

/**
 * A model as shown: an LLM's name as is; a trained model (a classify step's) is named by its
 * content hash, which 64 digits make unreadable, so by its first 12 as `catena list` shows fingerprints.
 */
function modelText(model: string): string {
  return /^[0-9a-f]{32,}$/.test(model) ? `model ${model.slice(0, 12)}` : model;
}

/** A confidence or threshold as shown: two decimals (`0.75`, `1.00`); the exact value is in `--json`. */
function round2(value: number): string {
  return value.toFixed(2);
}

function score(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : value.toFixed(2);
}

function money(usd: number): string {
  return `$${usd.toFixed(usd === 0 || usd >= 0.01 ? 2 : 5)}`;
}

/** An ISO time as local `YYYY-MM-DD HH:MM:SS`. */
export function localTime(iso: string): string {
  const time = Date.parse(iso);
  if (!Number.isFinite(time)) return iso || "-";
  const d = new Date(time);
  const pad = (n: number): string => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
