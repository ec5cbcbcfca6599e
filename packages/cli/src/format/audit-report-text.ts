import type { AuditedPrecision, AuditReport } from "@catena/core/ml";
import { plural } from "./plural.ts";
import { table } from "./table.ts";

/** Disagreements listed in the text; `--json` has them all. */
const DISAGREEMENTS_SHOWN = 10;

/**
 * `catena audit report`'s text: the cheap tiers' precision as the audits measured it, each tier
 * with its interval, then the first disagreements.
 */
export function auditText(chain: string, r: AuditReport, since: Date): string {
  if (r.audits === 0)
    return `No audits of ${chain} since ${since.toISOString()}. Run catena batch ${chain} --audit 0.1 (or give the cascade an audit option) to have its LLM tier check a share of the cheap tiers' answers.\n`;
  const level = `${Math.round(r.level * 100)}%`;
  const row = (tier: string, p: AuditedPrecision) => [
    tier,
    String(p.audits),
    String(p.answered - p.agreed),
    p.precision === null ? "-" : pct(p.precision),
    p.interval === null ? "-" : `${pct(p.interval.low)} – ${pct(p.interval.high)}`,
    p.effectiveN.toFixed(0),
  ];
  const shown = r.disagreements.slice(0, DISAGREEMENTS_SHOWN);
  const lines = [
    `${chain} ${r.versions.join(", ")}: ${plural(r.audits, "audit")} of cheap-tier answers by the LLM tier${r.failed > 0 ? ` (${r.failed} failed: not counted)` : ""}${r.unaccepted > 0 ? ` (${r.unaccepted} below the LLM tier's own threshold: not counted)` : ""}, cost $${r.costUsd.toFixed(4)}.`,
    `precision = agreement with the LLM tier's label, each audit weighted by 1 / its chance of being audited; ${level} Wilson interval.`,
    "",
    table([
      ["tier", "audits", "disagree", "precision", `${level} interval`, "effective n"],
      ...Object.entries(r.byTier).map(([tier, p]) => row(tier, p)),
      row("all cheap tiers", r.overall),
    ]).trimEnd(),
    ...(shown.length === 0
      ? []
      : [
          "",
          "disagreements (cheap tier → LLM):",
          ...shown.map(
            (d) =>
              `  ${d.tier}: ${d.label}${d.confidence === undefined ? "" : ` (${d.confidence.toFixed(2)})`} → ${d.llmLabel}  "${d.text.length > 70 ? `${d.text.slice(0, 69)}…` : d.text}"`,
          ),
          ...(r.disagreements.length > shown.length
            ? [`  … ${plural(r.disagreements.length - shown.length, "more")} (--json lists them all)`]
            : []),
        ]),
  ];
  return `${lines.join("\n")}\n`;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
