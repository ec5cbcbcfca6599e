import { durationMs, formatCost, formatMs, formatScore, formatThreshold } from "../format.ts";
import { metaOf, numberFact, statusOf, textFact } from "../run-facts.ts";
import type { Run } from "../types.ts";

/**
 * A trace's steps as a tree (indented by depth) over a waterfall of their times, each a button that
 * selects it. One stop for Tab: a trace of 300 steps took 300 presses to get past to the feedback;
 * the arrow keys and Home/End walk the steps instead (the selection follows). `onPick` says whether
 * the reader clicked (the details may need bringing into view) or walked with the keys.
 */
export function TraceSteps({
  runs,
  current,
  onPick,
}: {
  runs: readonly Run[];
  current: Run;
  onPick: (id: string, by: "click" | "key") => void;
}) {
  const starts = runs.map((r) => Date.parse(r.start_time ?? "")).filter(Number.isFinite);
  const ends = runs.map((r) => Date.parse(r.end_time ?? r.start_time ?? "")).filter(Number.isFinite);
  const t0 = Math.min(...starts);
  const total = Math.max(1, Math.max(...ends) - t0);
  const depthOf = (r: Run) => (r.dotted_order?.split(".").length ?? 1) - 1;
  const stepKeys = (event: KeyboardEvent) => {
    const at = runs.indexOf(current);
    const to =
      event.key === "ArrowDown"
        ? Math.min(runs.length - 1, at + 1)
        : event.key === "ArrowUp"
          ? Math.max(0, at - 1)
          : event.key === "Home"
            ? 0
            : event.key === "End"
              ? runs.length - 1
              : undefined;
    const next = to === undefined ? undefined : runs[to];
    if (next === undefined) return;
    event.preventDefault();
    onPick(next.id, "key");
    const buttons = (event.currentTarget as HTMLElement).querySelectorAll<HTMLButtonElement>(
      "button.step-row",
    );
    buttons[to ?? 0]?.focus();
  };
  return (
    <section class="panel waterfall" aria-label="Trace tree and waterfall">
      <p class="muted keys-hint" id="steps-keys">
        <kbd>↑</kbd>/<kbd>↓</kbd> move between the steps, <kbd>Home</kbd>/<kbd>End</kbd> to the first/last
      </p>
      <ol aria-label="Steps" aria-describedby="steps-keys" onKeyDown={(event) => stepKeys(event)}>
        {runs.map((r) => {
          const m = metaOf(r);
          const start = Date.parse(r.start_time ?? "") - t0;
          const ms = durationMs(r.start_time, r.end_time) ?? 0;
          const confidence = numberFact(m.confidence);
          const threshold = numberFact(m.threshold);
          return (
            <li key={r.id}>
              <button
                type="button"
                class={`step-row status-${statusOf(r)}${r.id === current.id ? " selected" : ""}`}
                style={{ paddingLeft: `${0.4 + depthOf(r) * 1.1}rem` }}
                aria-pressed={r.id === current.id}
                tabIndex={r.id === current.id ? 0 : -1}
                onClick={() => onPick(r.id, "click")}
                aria-label={`Step ${r.name ?? r.id}`}
              >
                <span class="step-name">
                  {r.name} <span class="muted">{textFact(m.kind) ?? r.run_type}</span>
                </span>
                <span class="step-facts">
                  {m.tier === undefined ? null : <span class="badge">{textFact(m.tier)}</span>}
                  {confidence === undefined ? null : (
                    <span class={threshold !== undefined && confidence < threshold ? "low" : ""}>
                      {formatScore(confidence)}
                      {threshold === undefined ? "" : ` / ${formatThreshold(threshold)}`}
                    </span>
                  )}
                  {r.total_tokens ? <span>{r.total_tokens} tok</span> : null}
                  {r.total_cost ? <span>{formatCost(r.total_cost)}</span> : null}
                  <span>{formatMs(ms)}</span>
                </span>
                <span class="bar-track" aria-hidden="true">
                  <span
                    class="bar"
                    style={{
                      left: `${(start / total) * 100}%`,
                      width: `${Math.max(0.5, (ms / total) * 100)}%`,
                    }}
                  />
                </span>
              </button>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
