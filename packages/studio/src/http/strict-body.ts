import { isUuid } from "../store/run-fields.ts";
import { toStudioTimestamp } from "../store/studio-timestamp.ts";
import { StudioHttpError } from "./studio-http-error.ts";

/**
 * Typed reads of a JSON request body (or of query parameters gathered into one object) that
 * refuse, with a 422 naming the key, both wrong types and keys the endpoint does not know: an
 * unknown filter must never come back as an unfiltered list.
 *
 * @example
 * const body = new StrictBody(raw, "POST /api/v2/runs/query", ["ids", "filter"]);
 * const ids = body.uuids("ids");
 */
export class StrictBody {
  readonly #raw: Record<string, unknown>;
  readonly #what: string;

  constructor(raw: unknown, what: string, known: readonly string[]) {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      throw new StudioHttpError(422, `The body of ${what} must be a JSON object.`);
    }
    this.#raw = raw as Record<string, unknown>;
    this.#what = what;
    const unknown = Object.keys(this.#raw).filter(
      (key) => !known.includes(key) && this.#raw[key] !== undefined && this.#raw[key] !== null,
    );
    if (unknown.length > 0) {
      throw new StudioHttpError(
        422,
        `${what} does not support ${unknown.map((k) => `"${k}"`).join(", ")} in the Catena studio: leave it out (supported: ${known.join(", ")}).`,
        { unsupported: unknown },
      );
    }
  }

  /** Whether `key` was sent with a value. */
  has(key: string): boolean {
    return this.#raw[key] !== undefined && this.#raw[key] !== null;
  }

  /** Any JSON value as sent, or `undefined` (the caller checks its shape). */
  json(key: string): unknown {
    const value = this.#raw[key];
    return value === null ? undefined : value;
  }

  /** A string value, or `undefined`. */
  text(key: string): string | undefined {
    const value = this.#raw[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") throw this.#bad(key, "must be a string");
    return value;
  }

  /** A string among `allowed`, or `undefined`. */
  choice<T extends string>(key: string, allowed: readonly T[]): T | undefined {
    const value = this.text(key);
    if (value === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(value)) {
      throw this.#bad(key, `must be one of ${allowed.join(", ")} (got ${JSON.stringify(value)})`);
    }
    return value as T;
  }

  /** A UUID, lower-cased, or `undefined`. */
  uuid(key: string): string | undefined {
    const value = this.#raw[key];
    if (value === undefined || value === null) return undefined;
    if (!isUuid(value)) throw this.#bad(key, `must be a UUID (got ${JSON.stringify(value)})`);
    return value.toLowerCase();
  }

  /** A list of UUIDs, lower-cased, or `undefined`. */
  uuids(key: string): string[] | undefined {
    const value = this.#raw[key];
    if (value === undefined || value === null) return undefined;
    const list = Array.isArray(value) ? value : [value];
    for (const id of list) {
      if (!isUuid(id)) throw this.#bad(key, `must be a list of UUIDs (got ${JSON.stringify(id)})`);
    }
    return (list as string[]).map((id) => id.toLowerCase());
  }

  /** A list of strings among `allowed`, or `undefined`. */
  choices<T extends string>(key: string, allowed: readonly T[]): T[] | undefined {
    const value = this.#raw[key];
    if (value === undefined || value === null) return undefined;
    const list = Array.isArray(value) ? value : [value];
    const wrong = list.filter((v) => typeof v !== "string" || !(allowed as readonly unknown[]).includes(v));
    if (wrong.length > 0) {
      throw this.#bad(
        key,
        `does not know ${wrong.map((w) => JSON.stringify(w)).join(", ")} (known: ${allowed.join(", ")})`,
      );
    }
    return list as T[];
  }

  /** A boolean (also the strings "true"/"false" of a query string), or `undefined`. */
  flag(key: string): boolean | undefined {
    const value = this.#raw[key];
    if (value === undefined || value === null) return undefined;
    if (value === "true") return true;
    if (value === "false") return false;
    if (typeof value !== "boolean") throw this.#bad(key, "must be true or false");
    return value;
  }

  /** A positive integer at most `max` (numbers in query strings too), or `undefined`. */
  positive(key: string, max: number): number | undefined {
    const raw = this.#raw[key];
    if (raw === undefined || raw === null) return undefined;
    const value = typeof raw === "string" ? Number(raw) : raw;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
      throw this.#bad(key, `must be a positive integer (got ${JSON.stringify(raw)})`);
    }
    return Math.min(value, max);
  }

  /** A timestamp in the studio's stored form, or `undefined`. */
  time(key: string): string | undefined {
    const value = this.#raw[key];
    if (value === undefined || value === null) return undefined;
    return toStudioTimestamp(value, key) ?? undefined;
  }

  #bad(key: string, what: string): StudioHttpError {
    return new StudioHttpError(422, `"${key}" of ${this.#what} ${what}.`);
  }
}

/** A query string as one object: repeated parameters become lists, for {@link StrictBody}. */
export function queryObject(url: string, lists: readonly string[] = []): Record<string, unknown> {
  const params = new URL(url).searchParams;
  const out: Record<string, unknown> = {};
  for (const key of new Set(params.keys())) {
    const all = params.getAll(key);
    out[key] = lists.includes(key) ? all : all.at(-1);
  }
  return out;
}
