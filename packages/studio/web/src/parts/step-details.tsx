import type { JSX, Ref } from "preact";
import {
  durationMs,
  formatCost,
  formatModel,
  formatMs,
  formatScore,
  formatThreshold,
  formatTime,
} from "../format.ts";
import { metaOf, numberFact, statusOf, textFact } from "../run-facts.ts";
import type { Run } from "../types.ts";
import { ChatMessages, chatMessagesOf } from "./chat-messages.tsx";
import { ErrorBlock } from "./error-block.tsx";
import { JsonFold } from "./json-fold.tsx";
import { ShortHash } from "./short-hash.tsx";

/** The selected step of a trace: its facts, its error with the fix proposed, its inputs and outputs. */
export function StepDetails({ run, sectionRef }: { run: Run; sectionRef: Ref<HTMLElement> }) {
  const m = metaOf(run);
  const isLlm = run.run_type === "llm";
  const inputMessages = isLlm ? chatMessagesOf(run.inputs) : undefined;
  const outputMessages = isLlm ? chatMessagesOf(run.outputs) : undefined;
  const model = textFact(m.model) ?? textFact(m.ls_model_name);
  // A trained classifier's model is its 64-hex content hash: shortened as in Trends, whole on hover.
  const shown = model === undefined ? undefined : formatModel(model);
  const confidence = numberFact(m.confidence);
  const threshold = numberFact(m.threshold);
  const facts: Array<[string, string | JSX.Element | undefined]> = [
    ["kind", textFact(m.kind) ?? run.run_type ?? undefined],
    ["status", statusOf(run)],
    ["started", formatTime(run.start_time)],
    ["duration", formatMs(durationMs(run.start_time, run.end_time))],
    ["tier", textFact(m.tier)],
    ["confidence", confidence === undefined ? undefined : formatScore(confidence)],
    ["threshold", threshold === undefined ? undefined : formatThreshold(threshold)],
    [
      "model",
      shown?.title === undefined ? (
        shown?.text
      ) : (
        <ShortHash text={shown.text} full={shown.title} what="model hash" />
      ),
    ],
    ["attempt", textFact(m.attempt)],
    ["tokens", run.total_tokens ? String(run.total_tokens) : undefined],
    ["cost", run.total_cost ? formatCost(run.total_cost) : undefined],
  ];
  return (
    <section class="panel details" aria-label="Step details" ref={sectionRef}>
      <h2>{run.name}</h2>
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
      {run.error === null ? null : <ErrorBlock error={run.error} code={textFact(m.error_code)} />}
      <h3>Inputs</h3>
      {inputMessages === undefined ? (
        <JsonFold value={run.inputs} label="inputs" />
      ) : (
        <ChatMessages messages={inputMessages} label="Input messages" />
      )}
      <h3>Outputs</h3>
      {outputMessages === undefined ? (
        <JsonFold value={run.outputs} label="outputs" />
      ) : (
        <ChatMessages messages={outputMessages} label="Output messages" />
      )}
    </section>
  );
}
