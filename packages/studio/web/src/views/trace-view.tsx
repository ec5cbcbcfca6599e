import { usePageTitle } from "../page-title.ts";
import { LoadFailed } from "../parts/load-failed.tsx";
import { Loading } from "../parts/loading.tsx";
import { TraceDisplay } from "../parts/trace-display.tsx";
import { rootOf, traceName } from "../run-facts.ts";
import { runsHref } from "../runs-return.ts";
import type { Run, Session, TraceTree } from "../types.ts";
import { useApi } from "../use-api.ts";
import { POLL_FIRST_MS, POLL_QUIET_MS, usePoll } from "../use-poll.ts";

/**
 * The trace of run `runId` (any run of it: the SDK's links may name a child): loads it, then shows
 * it. The step picked is kept in the URL (`?step=<run id>`, replacing the entry: Back still leaves
 * the trace), so that a reload or a shared link opens the same step.
 */
export function TraceView({ runId, step }: { runId: string; step?: string | null }) {
  const run = useApi<Run>(`/runs/${runId}`);
  const traceId = run.data?.trace_id ?? undefined;
  const trace = useApi<TraceTree>(traceId === undefined ? undefined : `/catena/traces/${traceId}`);
  const projectId = run.data?.session_id ?? undefined;
  const project = useApi<Session>(projectId === undefined ? undefined : `/sessions/${projectId}`);
  const root = trace.data === undefined ? undefined : rootOf(trace.data.runs);
  // A trace still running gains steps: it is asked again until its root ends, so that they appear
  // (and a `?step=` naming one not yet arrived is selected once it has), the back-off starting
  // afresh whenever a step came or ended, but never under a wait that grows with the trace (a
  // chatty agent's trace of 500 steps was fetched whole every second).
  // A trace whose root has not come yet (the SDK sends it last when batching) is running too, until
  // nothing new came for a while (a refused root, a process that died): then the asking stops.
  const running = trace.data !== undefined && (root === undefined || (root.end_time ?? null) === null);
  const progress = trace.data?.runs.map((r) => `${r.id}:${r.end_time ?? ""}`).join(",");
  const poll = usePoll(running, trace.reload, trace.settled, progress, {
    firstMs: pollFirstMs(trace.data?.runs.length ?? 0),
  });
  usePageTitle(root === undefined ? "Trace" : `Trace ${traceName(root)}`, project.data?.name);
  // Only a trace never loaded says it could not be: once shown, a failed refresh (the studio
  // restarting) keeps it on screen, with the step picked and what is being typed in the feedback.
  const failed = run.error === undefined ? (trace.data === undefined ? trace : undefined) : run;
  if (failed?.error !== undefined)
    return (
      <div>
        <h1>Trace</h1>
        {/* Keyed by which load failed: the run's error, then the trace's, are two failures,
            and a "tried again" said of the first was not said of the second. */}
        <LoadFailed key={failed === run ? "run" : "trace"} of={failed} lead="Could not load the trace" />
      </div>
    );
  if (trace.data === undefined) return <Loading what="the trace" />;
  // An empty `?step=` names no step: the run of the URL is selected, with no notice.
  const focus = step || runId;
  // The link's step, not come when the asking stopped: said on the line with its Reload (a
  // notice of its own said Reload too, two lines for one thing to do).
  const unarrived =
    step && !trace.data.runs.some((r) => r.id === step) ? (
      <>
        {" "}
        Step <code>{step}</code> of the link has not arrived.
      </>
    ) : null;
  return (
    <>
      {projectId === undefined ? null : (
        // The way back to the runs, also for a trace opened from a link (no page before it).
        <nav class="crumbs" aria-label="Project">
          <a href={runsHref(projectId)}>
            <span aria-hidden="true">← </span>Runs of {project.data?.name ?? "the project"}
          </a>
        </nav>
      )}
      {running && poll.quiet ? (
        <p class="status-line" role="status">
          No new steps for {POLL_QUIET_MS / 60_000} min: this trace is not asked for again.{unarrived}{" "}
          <button type="button" onClick={poll.resume}>
            Reload
          </button>{" "}
          to check again.
        </p>
      ) : trace.error === undefined ? null : running ? (
        <p class="status-line" role="status">
          Could not refresh the trace: {trace.error}; retrying.
        </p>
      ) : (
        <LoadFailed role="status" of={trace} lead="Could not refresh the trace" />
      )}
      <TraceDisplay
        tree={trace.data}
        focus={focus}
        onFeedback={trace.reload}
        onSelect={keepStepInUrl}
        readOnly={false}
        running={running}
        followed={!(running && poll.quiet)}
      />
    </>
  );
}

/** The first wait (and the least after a new step) before a running trace is asked again: each ask fetches it whole. */
function pollFirstMs(steps: number): number {
  return steps < 100 ? POLL_FIRST_MS : steps < 1000 ? 2000 : 5000;
}

function keepStepInUrl(id: string): void {
  const query = new URLSearchParams(location.search);
  query.set("step", id);
  history.replaceState(history.state, "", `${location.pathname}?${query}`);
}
