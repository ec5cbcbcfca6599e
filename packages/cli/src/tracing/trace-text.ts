import { thresholdText } from "@catena/core";
import type { FeedbackTally, TraceNode, TraceSummary, TraceTree } from "@catena/core/tracing";
import { duration } from "../format/duration.ts";
import { table } from "../format/table.ts";

/** Recent runs as the table `catena traces` prints. */
export function tracesTable(runs: readonly TraceSummary[]): string {
  const rows = runs.map((r) => [
    r.runId,
    localTime(r.startedAt),
    r.version === undefined ? r.chain : `${r.chain}@${r.version}`,
    r.status,
    r.tier ?? "-",
    r.ms === undefined ? "-" : duration(r.ms),
    r.costUsd === undefined ? "-" : money(r.costUsd),
    feedbackText(r.feedback),
  ]);
  return table([["RUN ID", "STARTED", "CHAIN", "STATUS", "TIER", "LATENCY", "COST", "FEEDBACK"], ...rows]);
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
  return `${head}\n${error}${rows.length > 1 ? table(rows) : "(no steps recorded)\n"}`;
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
      `confidence ${node.confidence.toFixed(2)}${node.threshold === undefined ? "" : ` (threshold ${thresholdText(node.threshold)})`}`,
    );
  } else if (node.threshold !== undefined) parts.push(`threshold ${thresholdText(node.threshold)}`);
  if (node.attempt !== undefined && node.attempt > 1) parts.push(`attempt ${node.attempt}`);
  if (node.model !== undefined) parts.push(node.model);
  if (node.tokens !== undefined) parts.push(`${node.tokens} tokens`);
  if (node.costUsd) parts.push(money(node.costUsd));
  if (node.error !== undefined) parts.push(`error: ${node.error.split("\n")[0]}`);
  return parts.join(", ");
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
