import type { JsonSchema } from "../types.ts";

/** A starting value for a form of `schema`: defaults where the schema has none given. */
export function initialValue(schema: JsonSchema): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum !== undefined) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "object":
      return Object.fromEntries(
        Object.entries(schema.properties ?? {})
          .filter(([key]) => schema.required?.includes(key) ?? false)
          .map(([key, child]) => [key, initialValue(child)]),
      );
    case "boolean":
      return false;
    case "number":
    case "integer":
      return schema.minimum ?? 0;
    case "array":
      return [];
    case "string":
      return "";
    default:
      return null;
  }
}

/**
 * A form field for `schema` (a review's decision schema, from its zod schema): an object becomes a
 * fieldset of its properties, an enum a select, a boolean a checkbox, numbers and strings inputs,
 * anything else a JSON text field.
 */
export function SchemaField({
  schema,
  name,
  value,
  onChange,
}: {
  schema: JsonSchema;
  name: string;
  value: unknown;
  onChange: (value: unknown) => void;
}) {
  const label = schema.title ?? name;
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (type === "object" && schema.properties !== undefined) {
    const record = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
    return (
      <fieldset>
        <legend>{label}</legend>
        {Object.entries(schema.properties).map(([key, child]) => (
          <SchemaField
            key={key}
            schema={child}
            name={key}
            value={record[key]}
            onChange={(next) => onChange({ ...record, [key]: next })}
          />
        ))}
      </fieldset>
    );
  }
  const hint = schema.description === undefined ? null : <span class="muted"> {schema.description}</span>;
  if (schema.enum !== undefined) {
    return (
      <label>
        {label}
        {hint}
        <select
          value={JSON.stringify(value)}
          onChange={(e) => onChange(JSON.parse((e.target as HTMLSelectElement).value))}
        >
          {schema.enum.map((option) => (
            <option key={JSON.stringify(option)} value={JSON.stringify(option)}>
              {String(option)}
            </option>
          ))}
        </select>
      </label>
    );
  }
  if (type === "boolean") {
    return (
      <label class="inline">
        <input
          type="checkbox"
          checked={value === true}
          onChange={(e) => onChange((e.target as HTMLInputElement).checked)}
        />
        {label}
        {hint}
      </label>
    );
  }
  if (type === "number" || type === "integer") {
    return (
      <label>
        {label}
        {hint}
        <input
          type="number"
          step={type === "integer" ? 1 : "any"}
          min={schema.minimum}
          max={schema.maximum}
          value={typeof value === "number" ? value : ""}
          onInput={(e) => {
            const text = (e.target as HTMLInputElement).value;
            onChange(text === "" ? undefined : Number(text));
          }}
        />
      </label>
    );
  }
  if (type === "string") {
    return (
      <label>
        {label}
        {hint}
        <input
          type="text"
          value={typeof value === "string" ? value : ""}
          onInput={(e) => onChange((e.target as HTMLInputElement).value)}
        />
      </label>
    );
  }
  return (
    <label>
      {label} (JSON){hint}
      <textarea
        rows={3}
        value={JSON.stringify(value ?? null)}
        onChange={(e) => {
          try {
            onChange(JSON.parse((e.target as HTMLTextAreaElement).value));
          } catch {
            // Left as it was: the schema check below the form names what is wrong.
          }
        }}
      />
    </label>
  );
}
