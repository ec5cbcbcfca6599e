import { durationMs, formatCost, formatMs, formatTime, isContentHash } from "../format.ts";
import { metaOf, statusOf, textFact, traceName } from "../run-facts.ts";
import type { Run } from "../types.ts";
import { ShortHash } from "./short-hash.tsx";

/**
 * A trace's header: its chain@version as the view's one `h1`, the root's stored status, the
 * chain's fingerprint, and when it started, how long it took, its tokens and cost. A root that has
 * not ended says `running…` while the page follows it; once the page stopped asking
 * (`followed` false: nothing new for a while) it says it was running when last asked and is no
 * longer followed, as `running…` alone claimed news the page no longer had.
 */
export function TraceHead({ root, followed }: { root: Run; followed: boolean }) {
  const fingerprint = textFact(metaOf(root).fingerprint);
  const ended = (root.end_time ?? null) !== null;
  return (
    <header class="trace-head">
      <h1>{traceName(root)}</h1>
      <span class={`badge status-${statusOf(root)}`}>{statusOf(root)}</span>
      {fingerprint === undefined ? null : (
        <span class="muted" title="Chain fingerprint">
          fingerprint{" "}
          {isContentHash(fingerprint) ? (
            <ShortHash text={fingerprint.slice(0, 12)} full={fingerprint} what="fingerprint" />
          ) : (
            <code>{fingerprint}</code>
          )}
        </span>
      )}
      {/* A trace still running says so (its duration read "–"), and a cost nobody recorded is
          left out (a bare "· –" closed the line, which nobody could read). */}
      <span class="muted">
        {formatTime(root.start_time)} ·{" "}
        {ended
          ? formatMs(durationMs(root.start_time, root.end_time))
          : followed
            ? "running…"
            : "running when last asked, no longer followed"}{" "}
        · {root.total_tokens ?? 0} tokens
        {formatCost(root.total_cost) === "–" ? "" : ` · ${formatCost(root.total_cost)}`}
      </span>
    </header>
  );
}
