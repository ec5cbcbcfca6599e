/** Inputs or outputs as folded JSON: objects and arrays open one level at a time. */
export function JsonFold({ value, label, open = true }: { value: unknown; label: string; open?: boolean }) {
  return (
    <section class="json" aria-label={label}>
      <JsonNode value={value} name={label} open={open} />
    </section>
  );
}

function JsonNode({ value, name, open }: { value: unknown; name: string; open: boolean }) {
  if (typeof value !== "object" || value === null) {
    return (
      <div class="json-leaf">
        <span class="json-key">{name}</span>:{" "}
        <span class={`json-${value === null ? "null" : typeof value}`}>{JSON.stringify(value)}</span>
      </div>
    );
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  const summary = Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`;
  return (
    <details open={open}>
      <summary>
        <span class="json-key">{name}</span> <span class="json-count">{summary}</span>
      </summary>
      <div class="json-children">
        {entries.map(([key, child]) => (
          <JsonNode key={key} value={child} name={key} open={false} />
        ))}
      </div>
    </details>
  );
}
