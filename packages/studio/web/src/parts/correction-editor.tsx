import { useEffect, useRef, useState } from "preact/hooks";
import { checkJsonSchema } from "../../../src/check-json-schema.ts";
import type { JsonSchema } from "../types.ts";

/**
 * A JSON editor for a corrected output, checked against the chain's output schema (when the trace
 * carries one) as the reviewer types; saving is refused while it does not fit.
 */
export function CorrectionEditor({
  initial,
  schema,
  onSave,
  onCancel,
  autoFocus = false,
}: {
  initial: unknown;
  schema: JsonSchema | undefined;
  onSave: (value: unknown) => void;
  onCancel?: () => void;
  autoFocus?: boolean;
}) {
  const [text, setText] = useState(() => JSON.stringify(initial ?? {}, null, 2));
  const area = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (autoFocus) area.current?.focus();
  }, [autoFocus]);
  let problems: string[];
  let value: unknown;
  try {
    value = JSON.parse(text);
    problems = schema === undefined ? [] : checkJsonSchema(value, schema);
  } catch (error) {
    problems = [`Not JSON: ${(error as Error).message}`];
  }
  const save = () => {
    if (problems.length === 0) onSave(value);
  };
  return (
    <div class="correction">
      <label>
        Corrected output (JSON{schema === undefined ? "" : ", checked against the chain's output schema"})
        <textarea
          aria-label="Corrected output"
          rows={Math.min(16, text.split("\n").length + 1)}
          value={text}
          ref={area}
          onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              save();
            }
            if (e.key === "Escape") onCancel?.();
          }}
        />
      </label>
      {problems.length > 0 ? (
        <ul class="problems" aria-live="polite" aria-label="Correction problems">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      ) : null}
      <div class="row">
        <button type="button" onClick={save} disabled={problems.length > 0}>
          Save correction
        </button>
        {onCancel === undefined ? null : (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </div>
  );
}
