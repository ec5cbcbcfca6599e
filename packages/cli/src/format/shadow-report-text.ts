import type { Agreement, ShadowReport } from "@catena/core/ml";
import { plural } from "./plural.ts";
import { table } from "./table.ts";

/** Labels listed in the by-label table; the rest are counted in one line (`--json` has them all). */
const LABELS_SHOWN = 15;

/**
 * `catena shadow report`'s text: agreement, the mean latency and total cost of each side, then
 * agreement by tier and by label, least agreement first, and where the disagreements went.
 */
export function shadowText(
  chain: string,
  r: ShadowReport,
  since: Date,
  out: string,
  queue: string | undefined,
): string {
  if (r.pairs === 0)
    return `No shadow runs of ${chain} since ${since.toISOString()}${r.unpaired ? ` (${r.unpaired} whose current run is outside the window)` : ""}. Run catena run or catena batch with --shadow <chain@version>.\n`;
  const pct = (a: Agreement) => `${(100 * a.rate).toFixed(1)}%`;
  const rows = (groups: Record<string, Agreement>) =>
    Object.entries(groups)
      .sort((a, b) => a[1].rate - b[1].rate || b[1].pairs - a[1].pairs)
      .map(([key, a]) => [key, String(a.pairs), String(a.pairs - a.agree), pct(a)]);
  const labels = rows(r.byLabel);
  const hidden = labels.slice(LABELS_SHOWN);
  const lines = [
    `${chain} ${r.versions.current.join(", ")} shadowed by ${r.versions.candidate.join(", ")}: ${plural(r.pairs, "pair")}, agreement ${pct(r.agreement)} (${plural(r.disagreements.length, "disagreement")}).`,
    `mean latency: ${r.latencyMs.current.toFixed(1)} ms current, ${r.latencyMs.candidate.toFixed(1)} ms candidate (${signed(r.latencyMs.delta, 1)} ms); cost: $${r.costUsd.current.toFixed(4)} current, $${r.costUsd.candidate.toFixed(4)} candidate (${signedUsd(r.costUsd.delta)}).`,
    "",
    "by tier (current version):",
    table([["tier", "pairs", "disagree", "agreement"], ...rows(r.byTier)]).trimEnd(),
    "",
    "by label (current version), least agreement first:",
    table([["label", "pairs", "disagree", "agreement"], ...labels.slice(0, LABELS_SHOWN)]).trimEnd(),
    ...(hidden.length === 0
      ? []
      : [
          `… ${plural(hidden.length, "more label")} (${plural(
            hidden.reduce((n, row) => n + Number(row[1]), 0),
            "pair",
          )}, ${plural(
            hidden.reduce((n, row) => n + Number(row[2]), 0),
            "disagreement",
          )}; --json lists them all)`,
        ]),
    "",
    `disagreements written to ${out}${queue === undefined ? "" : ` and added to the annotation queue ${queue}`}.`,
  ];
  return `${lines.join("\n")}\n`;
}

const signed = (v: number, digits: number) => `${v >= 0 ? "+" : ""}${v.toFixed(digits)}`;
const signedUsd = (v: number) => `${v < 0 ? "-" : "+"}$${Math.abs(v).toFixed(4)}`;
