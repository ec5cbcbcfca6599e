import { functionSource } from "./function-source.ts";

/**
 * Serialises a value with sorted keys and a fixed form for what JSON lacks (regexes, functions,
 * non-finite numbers), so that equal definitions give byte-equal text on any machine.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(normalize(value, new WeakSet()));
}

function normalize(value: unknown, seen: WeakSet<object>): unknown {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : { $number: String(value) };
  if (typeof value === "bigint") return { $bigint: value.toString() };
  if (typeof value === "undefined" || typeof value === "symbol") return undefined;
  if (typeof value === "function") return { $function: functionSource(value as () => unknown) };
  if (value instanceof RegExp) return { $regex: value.source, flags: value.flags };
  if (value instanceof Date) return { $date: value.toISOString() };
  if (seen.has(value)) throw new TypeError("canonicalJson: cyclic value");
  seen.add(value);
  let out: unknown;
  if (Array.isArray(value)) {
    out = value.map((v) => normalize(v, seen) ?? null);
  } else {
    const obj: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = normalize((value as Record<string, unknown>)[key], seen);
      if (v !== undefined) obj[key] = v;
    }
    out = obj;
  }
  seen.delete(value);
  return out;
}
