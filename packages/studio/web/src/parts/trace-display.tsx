import { useEffect, useRef, useState } from "preact/hooks";
import { metaOf, rootOf, statusOf, textFact } from "../run-facts.ts";
import type { ChainDescription, JsonSchema, TraceTree } from "../types.ts";
import { useApi } from "../use-api.ts";
import { FeedbackPanel } from "./feedback-panel.tsx";
import { FlowGraph } from "./flow-graph.tsx";
import { StepDetails } from "./step-details.tsx";
import { StepWait } from "./step-wait.tsx";
import { TraceHead } from "./trace-head.tsx";
import { TraceSteps } from "./trace-steps.tsx";

/**
 * A trace as a tree and a waterfall of its runs, with the selected run's details, the chain's
 * identity and graph, and (unless `readOnly`) the feedback panel of the root run. `focus` names
 * the step to select first; one not in `tree` yet (a link to a step of a trace still running) is
 * waited for, with a notice, and selected once it has come. `running` and `followed` say whether
 * the trace's root is still running and whether the page still asks for news of it: not unless
 * said (a shared trace is shown as loaded, and its header said "running…" as if news would come).
 */
export function TraceDisplay({
  tree,
  focus,
  onFeedback,
  onSelect,
  readOnly,
  running = false,
  followed = false,
}: {
  tree: TraceTree;
  focus?: string;
  onFeedback?: () => void;
  /** Called with the run id of each step the reader picks. */
  onSelect?: (id: string) => void;
  readOnly: boolean;
  running?: boolean;
  followed?: boolean;
}) {
  const root = rootOf(tree.runs) ?? tree.runs[0];
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
  const fingerprint = root === undefined ? undefined : textFact(metaOf(root).fingerprint);
  const chain = useApi<ChainDescription>(
    fingerprint === undefined ? undefined : `/catena/chains/${encodeURIComponent(fingerprint)}`,
  );
  if (root === undefined) return <p>This trace has no runs.</p>;
  const pick = (id: string, by: "click" | "key") => {
    if (by === "click") picked.current = true;
    setSelected(id);
    onSelect?.(id);
  };
  const found = tree.runs.find((r) => r.id === selected);
  const current = found ?? root;
  // The states the run went through, in execution order, and the outcome it ended in.
  // A failed run ends in the graph's `failed` state (Catena's `error` outcome).
  const outcome = statusOf(root) === "error" ? "failed" : statusOf(root);
  const taken = [...tree.runs.filter((r) => r !== root).map((r) => r.name ?? ""), outcome];
  const outputSchema: JsonSchema | undefined =
    chain.data?.output ?? (metaOf(root).output_schema as JsonSchema | undefined);
  return (
    <div class="trace">
      <TraceHead root={root} followed={followed} />
      {focus === undefined || focus !== selected ? null : (
        <StepWait id={focus} arrived={found} running={running} followed={followed} />
      )}
      <div class="trace-body">
        <TraceSteps runs={tree.runs} current={current} onPick={pick} />
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
              <h2>Graph</h2>
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
