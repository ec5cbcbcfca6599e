import { useState } from "preact/hooks";
import { preview } from "../format.ts";

/** How much of a long text is shown before "Show all": a model's usual answer fits whole. */
export const TEXT_SHOWN = 10_000;
/** How many entries of an object or array are shown at first, and how many more each "Show more" adds. */
const ENTRIES_SHOWN = 100;

/**
 * Inputs or outputs as folded JSON: objects and arrays open one level at a time. A closed level
 * renders nothing inside it, a long text shows its start, and a long list its first entries, each
 * with a button for the rest: a run with megabytes of output opens at once instead of after
 * seconds of building every node.
 */
export function JsonFold({ value, label, open = true }: { value: unknown; label: string; open?: boolean }) {
  const dropped = droppedOf(value);
  if (dropped === undefined) {
    return (
      <section class="json" aria-label={label}>
        <JsonNode value={value} name={label} open={open} />
      </section>
    );
  }
  return (
    <section class="json" aria-label={label}>
      <p class="dropped-notice" role="note">
        {dropped.note}
      </p>
      {dropped.rest === undefined ? null : <JsonNode value={dropped.rest} name={label} open={open} />}
    </section>
  );
}

/**
 * The studio's note on inputs or outputs it did not keep for their size (`{ catena_dropped:
 * "inputs dropped: 40.0 MB, over ..." }`, packages/studio/src/multipart/dropped-part-marker.ts),
 * and what else the value holds, if anything: the note is shown as a notice, not as data.
 */
function droppedOf(value: unknown): { note: string; rest: Record<string, unknown> | undefined } | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const { catena_dropped: note, ...rest } = value as Record<string, unknown>;
  if (typeof note !== "string") return undefined;
  return { note, rest: Object.keys(rest).length === 0 ? undefined : rest };
}

function JsonNode({ value, name, open }: { value: unknown; name: string; open: boolean }) {
  const [isOpen, setOpen] = useState(open);
  const [shown, setShown] = useState(ENTRIES_SHOWN);
  if (typeof value !== "object" || value === null) return <JsonLeaf value={value} name={name} />;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  const summary = Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`;
  const rest = entries.length - shown;
  return (
    <details open={isOpen} onToggle={(event) => setOpen((event.currentTarget as HTMLDetailsElement).open)}>
      <summary>
        <span class="json-key">{name}</span> <span class="json-count">{summary}</span>
      </summary>
      {isOpen ? (
        <div class="json-children">
          {entries.slice(0, shown).map(([key, child]) => (
            <JsonNode key={key} value={child} name={key} open={false} />
          ))}
          {rest > 0 ? (
            <button type="button" class="json-more" onClick={() => setShown(shown + ENTRIES_SHOWN * 10)}>
              Show {Math.min(rest, ENTRIES_SHOWN * 10)} more of {name} ({rest} not shown)
            </button>
          ) : null}
        </div>
      ) : null}
    </details>
  );
}

function JsonLeaf({ value, name }: { value: unknown; name: string }) {
  const [all, setAll] = useState(false);
  const text = JSON.stringify(value) ?? String(value);
  const long = typeof value === "string" && value.length > TEXT_SHOWN;
  return (
    <div class="json-leaf">
      <span class="json-key">{name}</span>:{" "}
      <span class={`json-${value === null ? "null" : typeof value}`}>
        {long && !all ? `${JSON.stringify(preview(value, TEXT_SHOWN)).slice(0, -1)}` : text}
      </span>
      {long ? (
        <ShowAllButton all={all} length={(value as string).length} onClick={() => setAll(!all)} />
      ) : null}
    </div>
  );
}

/** A text of any length: its first {@link TEXT_SHOWN} characters, and a button for the rest. */
export function LongText({ text, class: className }: { text: string; class: string }) {
  const [all, setAll] = useState(false);
  const long = text.length > TEXT_SHOWN;
  return (
    <>
      <pre class={className}>{long && !all ? preview(text, TEXT_SHOWN) : text}</pre>
      {long ? <ShowAllButton all={all} length={text.length} onClick={() => setAll(!all)} /> : null}
    </>
  );
}

function ShowAllButton({ all, length, onClick }: { all: boolean; length: number; onClick: () => void }) {
  return (
    <button type="button" class="json-more" onClick={onClick}>
      {all ? "Show less" : `Show all ${length.toLocaleString("en")} characters`}
    </button>
  );
}
