import type { JSX, Ref } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import {
  durationMs,
  formatCost,
  formatModel,
  formatMs,
  formatScore,
  formatThreshold,
  formatTime,
  isContentHash,
} from "../format.ts";
import { usePageTitle } from "../page-title.ts";
import { ChatMessages, chatMessagesOf } from "../parts/chat-messages.tsx";
import { FeedbackPanel } from "../parts/feedback-panel.tsx";
import { FlowGraph } from "../parts/flow-graph.tsx";
import { JsonFold } from "../parts/json-fold.tsx";
import { ShortHash } from "../parts/short-hash.tsx";
import { runsHref } from "../runs-return.ts";
import type { ChainDescription, JsonSchema, Run, Session, TraceTree } from "../types.ts";
import { useApi } from "../use-api.ts";
import { POLL_FIRST_MS, POLL_QUIET_MS, usePoll } from "../use-poll.ts";

const meta = (run: Run): Record<string, unknown> => run.extra?.metadata ?? {};
const num = (value: unknown): number | undefined => (typeof value === "number" ? value : undefined);
const str = (value: unknown): string | undefined =>
  typeof value === "string" || typeof value === "number" ? String(value) : undefined;

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
  const root = trace.data?.runs.find((r) => r.parent_run_id === null);
  const rootMeta = root === undefined ? {} : meta(root);
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
  usePageTitle(
    root === undefined
      ? "Trace"
      : `Trace ${typeof rootMeta.chain === "string" ? rootMeta.chain : (root.name ?? "")}${typeof rootMeta.version === "string" ? `@${rootMeta.version}` : ""}`,
    project.data?.name,
  );
  // Only a trace never loaded says it could not be: once shown, a failed refresh (the studio
  // restarting) keeps it on screen, with the step picked and what is being typed in the feedback.
  const error = run.error ?? (trace.data === undefined ? trace.error : undefined);
  if (error !== undefined) return <p role="alert">Could not load the trace: {error}</p>;
  if (trace.data === undefined) return <p aria-busy="true">Loading the trace…</p>;
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
          No new steps for {POLL_QUIET_MS / 60_000} min: this trace is not asked for again.{" "}
          <button type="button" onClick={poll.resume}>
            Reload
          </button>{" "}
          to check again.
        </p>
      ) : trace.error === undefined ? null : (
        <p class="status-line" role="status">
          Could not refresh the trace: {trace.error}
          {running ? "; retrying." : " "}
          {running ? null : (
            <button type="button" onClick={trace.reload}>
              Try again
            </button>
          )}
        </p>
      )}
      <TraceDisplay
        tree={trace.data}
        focus={step ?? runId}
        onFeedback={trace.reload}
        onSelect={keepStepInUrl}
        readOnly={false}
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

/**
 * A trace as a tree and a waterfall of its runs, with the selected run's details, the chain's
 * identity and graph, and (unless `readOnly`) the feedback panel of the root run.
 */
export function TraceDisplay({
  tree,
  focus,
  onFeedback,
  onSelect,
  readOnly,
}: {
  tree: TraceTree;
  focus?: string;
  onFeedback?: () => void;
  /** Called with the run id of each step the reader picks. */
  onSelect?: (id: string) => void;
  readOnly: boolean;
}) {
  const root = tree.runs.find((r) => r.parent_run_id === null) ?? tree.runs[0];
  const [selected, setSelected] = useState(focus ?? root?.id ?? "");
  // A step picked far down a long trace (or anywhere on a phone, where the details come after
  // every step) has its details out of sight: they are brought into view. Not on opening the trace.
  const details = useRef<HTMLElement>(null);
  const picked = useRef(false);
  useEffect(() => {
    if (!picked.current) return;
    picked.current = false;
    const box = details.current?.getBoundingClientRect();
    if (box !== undefined && (box.top < 0 || box.top > window.innerHeight - 48))
      details.current?.scrollIntoView({ block: "start" });
  }, [selected]);
  const fingerprint = root === undefined ? undefined : str(meta(root).fingerprint);
  const chain = useApi<ChainDescription>(
    fingerprint === undefined ? undefined : `/catena/chains/${encodeURIComponent(fingerprint)}`,
  );
  if (root === undefined) return <p>This trace has no runs.</p>;
  const rootMeta = meta(root);
  // The arrow keys walk the steps (the selection follows, the details change beside them).
  const stepKeys = (event: KeyboardEvent) => {
    const at = tree.runs.findIndex((r) => r.id === (tree.runs.find((x) => x.id === selected) ?? root).id);
    const to =
      event.key === "ArrowDown"
        ? Math.min(tree.runs.length - 1, at + 1)
        : event.key === "ArrowUp"
          ? Math.max(0, at - 1)
          : event.key === "Home"
            ? 0
            : event.key === "End"
              ? tree.runs.length - 1
              : undefined;
    const next = to === undefined ? undefined : tree.runs[to];
    if (next === undefined) return;
    event.preventDefault();
    setSelected(next.id);
    onSelect?.(next.id);
    const buttons = (event.currentTarget as HTMLElement).querySelectorAll<HTMLButtonElement>(
      "button.step-row",
    );
    buttons[to ?? 0]?.focus();
  };
  const current = tree.runs.find((r) => r.id === selected) ?? root;
  const starts = tree.runs.map((r) => Date.parse(r.start_time ?? "")).filter(Number.isFinite);
  const ends = tree.runs.map((r) => Date.parse(r.end_time ?? r.start_time ?? "")).filter(Number.isFinite);
  const t0 = Math.min(...starts);
  const total = Math.max(1, Math.max(...ends) - t0);
  const depthOf = (r: Run) => (r.dotted_order?.split(".").length ?? 1) - 1;
  // The states the run went through, in execution order, and the outcome it ended in.
  // A failed run ends in the graph's `failed` state (Catena's `error` outcome).
  const outcome = statusOf(root) === "error" ? "failed" : statusOf(root);
  const taken = [...tree.runs.filter((r) => r !== root).map((r) => r.name ?? ""), outcome];
  const outputSchema: JsonSchema | undefined =
    chain.data?.output ?? (rootMeta.output_schema as JsonSchema | undefined);
  return (
    <div class="trace">
      <header class="trace-head">
        <h2>
          {typeof rootMeta.chain === "string" ? rootMeta.chain : root.name}
          {typeof rootMeta.version === "string" ? `@${rootMeta.version}` : ""}
        </h2>
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
          {(root.end_time ?? null) === null
            ? "running…"
            : formatMs(durationMs(root.start_time, root.end_time))}{" "}
          · {root.total_tokens ?? 0} tokens
          {formatCost(root.total_cost) === "–" ? "" : ` · ${formatCost(root.total_cost)}`}
        </span>
      </header>
      <div class="trace-body">
        <section class="panel waterfall" aria-label="Trace tree and waterfall">
          <p class="muted keys-hint" id="steps-keys">
            <kbd>↑</kbd>/<kbd>↓</kbd> move between the steps, <kbd>Home</kbd>/<kbd>End</kbd> to the first/last
          </p>
          {/* One stop for Tab: a trace of 300 steps took 300 presses to get past to the feedback. */}
          <ol aria-label="Steps" aria-describedby="steps-keys" onKeyDown={(event) => stepKeys(event)}>
            {tree.runs.map((r) => {
              const m = meta(r);
              const start = Date.parse(r.start_time ?? "") - t0;
              const ms = durationMs(r.start_time, r.end_time) ?? 0;
              const confidence = num(m.confidence);
              const threshold = num(m.threshold);
              return (
                <li key={r.id}>
                  <button
                    type="button"
                    class={`step-row status-${statusOf(r)}${r.id === current.id ? " selected" : ""}`}
                    style={{ paddingLeft: `${0.4 + depthOf(r) * 1.1}rem` }}
                    aria-pressed={r.id === current.id}
                    tabIndex={r.id === current.id ? 0 : -1}
                    onClick={() => {
                      picked.current = true;
                      setSelected(r.id);
                      onSelect?.(r.id);
                    }}
                    aria-label={`Step ${r.name ?? r.id}`}
                  >
                    <span class="step-name">
                      {r.name} <span class="muted">{str(m.kind) ?? r.run_type}</span>
                    </span>
                    <span class="step-facts">
                      {m.tier === undefined ? null : <span class="badge">{str(m.tier)}</span>}
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
        <StepDetails run={current} sectionRef={details} />
        <aside class="side">
          {readOnly ? null : (
            <FeedbackPanel
              run={root}
              feedback={tree.feedback.filter((f) => f.run_id === root.id)}
              outputSchema={outputSchema}
              onSaved={onFeedback ?? (() => {})}
            />
          )}
          {chain.data === undefined ? null : (
            <section class="panel" aria-label="Chain graph">
              <h3>Graph</h3>
              <FlowGraph mermaid={chain.data.mermaid} taken={taken} />
              <details>
                <summary>Mermaid</summary>
                <pre>{chain.data.mermaid}</pre>
              </details>
            </section>
          )}
        </aside>
      </div>
    </div>
  );
}

/** A run's outcome as people read it: Catena's status when recorded (`deferred`, `waiting`), else LangSmith's. */
export function statusOf(run: Run): string {
  return str(meta(run).status) ?? run.status;
}

function StepDetails({ run, sectionRef }: { run: Run; sectionRef: Ref<HTMLElement> }) {
  const m = meta(run);
  const isLlm = run.run_type === "llm";
  const inputMessages = isLlm ? chatMessagesOf(run.inputs) : undefined;
  const outputMessages = isLlm ? chatMessagesOf(run.outputs) : undefined;
  const model = str(m.model) ?? str(m.ls_model_name);
  // A trained classifier's model is its 64-hex content hash: shortened as in Trends, whole on hover.
  const shown = model === undefined ? undefined : formatModel(model);
  const facts: Array<[string, string | JSX.Element | undefined]> = [
    ["kind", str(m.kind) ?? run.run_type ?? undefined],
    ["status", statusOf(run)],
    ["started", formatTime(run.start_time)],
    ["duration", formatMs(durationMs(run.start_time, run.end_time))],
    ["tier", str(m.tier)],
    ["confidence", num(m.confidence) === undefined ? undefined : formatScore(num(m.confidence))],
    ["threshold", num(m.threshold) === undefined ? undefined : formatThreshold(num(m.threshold))],
    [
      "model",
      shown?.title === undefined ? (
        shown?.text
      ) : (
        <ShortHash text={shown.text} full={shown.title} what="model hash" />
      ),
    ],
    ["attempt", str(m.attempt)],
    ["tokens", run.total_tokens ? String(run.total_tokens) : undefined],
    ["cost", run.total_cost ? formatCost(run.total_cost) : undefined],
  ];
  return (
    <section class="panel details" aria-label="Step details" ref={sectionRef}>
      <h3>{run.name}</h3>
      <dl class="facts">
        {facts
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
      </dl>
      {run.error === null ? null : <ErrorBlock error={run.error} code={str(m.error_code)} />}
      <h4>Inputs</h4>
      {inputMessages === undefined ? (
        <JsonFold value={run.inputs} label="inputs" />
      ) : (
        <ChatMessages messages={inputMessages} label="Input messages" />
      )}
      <h4>Outputs</h4>
      {outputMessages === undefined ? (
        <JsonFold value={run.outputs} label="outputs" />
      ) : (
        <ChatMessages messages={outputMessages} label="Output messages" />
      )}
    </section>
  );
}

/**
 * The fix an error's first line proposes: Catena's messages name the wrong input, then the fix,
 * as their last sentence (`... received undefined. Make the prompt state ...`) or after the last
 * `: ` (`rule 2 has no label: give each rule a label`). The error's name and code (`StepError
 * [STEP_FAILED]: `) and a failed step's `Step "x" (kind) failed: ` are no such separator: what
 * follows them is what was thrown, which names a fix only if it has a `: ` of its own. A trace
 * cuts long messages in the middle (` … (N characters left out) … `): only what follows the cut is
 * whole, so the fix is looked for there, and is none when the cut runs into it.
 */
function fixOf(error: string): string | undefined {
  const line = (error.split("\n")[0] ?? error)
    .replace(/^\w*Error(?: \[[A-Z0-9_]+\])?: /, "")
    .replace(/^Step "[^"]*" \([^)]*\) failed: /, "");
  const cut = / … \(\d+ characters left out\) … /.exec(line);
  // Before the cut and just after it are pieces of sentences: only a sentence starting after them is whole.
  const body = cut === null ? line : line.slice(cut.index + cut[0].length);
  let sentence = -1;
  for (const boundary of body.matchAll(/[.!?] (?=[A-Z`])/g)) sentence = boundary.index + 2;
  if (sentence > 0) return body.slice(sentence);
  if (cut !== null) return undefined;
  const colon = body.lastIndexOf(": ");
  return colon > 0 ? body.slice(colon + 2) : undefined;
}

/** An error with its code and the fix its message proposes ({@link fixOf}). Long messages are folded. */
function ErrorBlock({ error, code }: { error: string; code: string | undefined }) {
  const fix = fixOf(error);
  return (
    <div class="error-block" role="alert">
      <p>
        <strong>Error</strong> {code === undefined ? null : <code>{code}</code>}
      </p>
      {fix === undefined ? null : (
        <p>
          <strong>Fix:</strong> {fix}
        </p>
      )}
      <details open={error.length < 400}>
        <summary>Message</summary>
        <pre>{error}</pre>
      </details>
    </div>
  );
}
