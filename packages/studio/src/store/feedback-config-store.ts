import { randomUUID } from "node:crypto";
import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import { StudioHttpError } from "../http/studio-http-error.ts";
import { studioNow } from "./studio-timestamp.ts";

/** One category of a categorical config: the score it stands for and its label. */
export interface FeedbackCategory {
  value: number;
  label?: string | null;
}

/** What feedback of a key may hold, as LangSmith's `feedback_config`. */
export interface FeedbackConfig {
  type: "continuous" | "categorical" | "freeform";
  min?: number | null;
  max?: number | null;
  categories?: FeedbackCategory[] | null;
  allows_multiple_categories?: boolean;
}

/** A stored config, in the shape the SDK's `createFeedbackConfig` / `listFeedbackConfigs` return. */
export interface StudioFeedbackConfig {
  id: string;
  feedback_key: string;
  feedback_config: FeedbackConfig;
  tenant_id: string;
  modified_at: string;
  is_lower_score_better: boolean | null;
}

/** The score and value of a feedback, as checked against a config. */
export interface RatedFields {
  score?: number | null;
  value?: unknown;
}

const TYPES = ["continuous", "categorical", "freeform"] as const;

/**
 * Checks a `feedback_config` object: `type` continuous (optional `min` ≤ `max`), categorical
 * (`categories`: at least one `{value, label?}`, values distinct) or freeform. Anything else is
 * a 422 that names the field.
 */
export function toFeedbackConfig(raw: unknown, where: string): FeedbackConfig {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new StudioHttpError(
      422,
      `${where}: a feedback config is an object such as {"type": "continuous", "min": 1, "max": 5}.`,
    );
  }
  const body = raw as Record<string, unknown>;
  const type = body.type;
  if (typeof type !== "string" || !(TYPES as readonly string[]).includes(type)) {
    throw new StudioHttpError(
      422,
      `${where}: "type" must be continuous, categorical or freeform (got ${JSON.stringify(type)}).`,
    );
  }
  const config: FeedbackConfig = { type: type as FeedbackConfig["type"] };
  for (const bound of ["min", "max"] as const) {
    const v = body[bound];
    if (v === undefined || v === null) continue;
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new StudioHttpError(422, `${where}: "${bound}" must be a number (got ${JSON.stringify(v)}).`);
    }
    config[bound] = v;
  }
  if (config.min != null && config.max != null && config.min > config.max) {
    throw new StudioHttpError(422, `${where}: "min" (${config.min}) is above "max" (${config.max}).`);
  }
  if (type === "categorical") {
    const categories = body.categories;
    if (!Array.isArray(categories) || categories.length === 0) {
      throw new StudioHttpError(
        422,
        `${where}: a categorical config needs "categories", e.g. [{"value": 1, "label": "good"}, {"value": 0, "label": "bad"}].`,
      );
    }
    config.categories = categories.map((c, i) => toCategory(c, `${where}: categories[${i}]`));
    const values = config.categories.map((c) => c.value);
    if (new Set(values).size !== values.length) {
      throw new StudioHttpError(
        422,
        `${where}: category values must be distinct (got ${values.join(", ")}).`,
      );
    }
    if (body.allows_multiple_categories === true) config.allows_multiple_categories = true;
  }
  return config;
}

function toCategory(raw: unknown, where: string): FeedbackCategory {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new StudioHttpError(422, `${where} must be an object {"value": <number>, "label": "<name>"}.`);
  }
  const { value, label } = raw as Record<string, unknown>;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new StudioHttpError(422, `${where}: "value" must be a number (the score it stands for).`);
  }
  if (label !== undefined && label !== null && typeof label !== "string") {
    throw new StudioHttpError(422, `${where}: "label" must be a string.`);
  }
  return typeof label === "string" ? { value, label } : { value };
}

/**
 * Refuses feedback that its key's config does not allow, with a 422 that says what is allowed: a
 * continuous score outside `[min, max]`, a categorical score or label that is not a category, or
 * a score on freeform feedback. Feedback without a score or value (a comment only) always passes.
 */
export function checkAgainstConfig(key: string, config: FeedbackConfig, fields: RatedFields): void {
  const { score, value } = fields;
  const has = score !== undefined && score !== null;
  if (config.type === "continuous") {
    if (!has) return;
    const { min, max } = config;
    if ((min != null && score < min) || (max != null && score > max)) {
      throw new StudioHttpError(
        422,
        `Feedback "${key}": score ${score} is outside ${rangeText(config)} (the key's continuous feedback_config): give a score from ${config.min ?? "-∞"} to ${config.max ?? "+∞"}, or change the config (PATCH /feedback-configs).`,
        { key, score, feedback_config: config },
      );
    }
    return;
  }
  if (config.type === "freeform") {
    if (has) {
      throw new StudioHttpError(
        422,
        `Feedback "${key}" is freeform (the key's feedback_config): give a value or a comment, not a score (got ${score}).`,
        { key, score, feedback_config: config },
      );
    }
    return;
  }
  const categories = config.categories ?? [];
  const allowed = categories
    .map((c) => (c.label == null ? `${c.value}` : `${c.value} (${c.label})`))
    .join(", ");
  if (has && !categories.some((c) => c.value === score)) {
    throw new StudioHttpError(
      422,
      `Feedback "${key}": score ${score} is not one of its categories (the key's categorical feedback_config allows ${allowed}).`,
      { key, score, feedback_config: config },
    );
  }
  const labels = categories.map((c) => c.label).filter((l): l is string => typeof l === "string");
  if (value === undefined || value === null || labels.length === 0) return;
  const given = Array.isArray(value) && config.allows_multiple_categories === true ? value : [value];
  const unknown = given.filter((v) => typeof v !== "string" || !labels.includes(v));
  if (unknown.length > 0) {
    throw new StudioHttpError(
      422,
      `Feedback "${key}": value ${JSON.stringify(unknown.length === 1 ? unknown[0] : unknown)} is not one of its categories (the key's categorical feedback_config allows ${labels.map((l) => JSON.stringify(l)).join(", ")}).`,
      { key, value, feedback_config: config },
    );
  }
}

function rangeText(config: FeedbackConfig): string {
  const low = config.min ?? "-∞";
  const high = config.max ?? "+∞";
  return `${low}–${high}`;
}

/** Filters of `GET /feedback-configs`. */
export interface FeedbackConfigListQuery {
  keys?: string[];
  nameContains?: string;
  offset: number;
  limit: number;
}

/**
 * Feedback configs in SQLite, one per key. `rating` starts as continuous 1–5 (a new database gets
 * it from its migration); `PATCH /feedback-configs` changes it.
 */
export class FeedbackConfigStore {
  readonly #db: DatabaseSync;
  readonly #tenantId: string;

  constructor(db: DatabaseSync, tenantId: string) {
    this.#db = db;
    this.#tenantId = tenantId;
  }

  /** The config of a key, or `undefined`. */
  get(key: string): StudioFeedbackConfig | undefined {
    const row = this.#db.prepare("SELECT * FROM feedback_configs WHERE feedback_key = ?").get(key);
    return row === undefined ? undefined : this.#toConfig(row);
  }

  /**
   * Creates a key's config. The same config again returns the stored one; a different one is a
   * 400, as in LangSmith: change it with `PATCH /feedback-configs` (`updateFeedbackConfig`).
   */
  create(key: string, config: FeedbackConfig, isLowerScoreBetter?: boolean | null): StudioFeedbackConfig {
    const existing = this.get(key);
    if (existing !== undefined) {
      if (JSON.stringify(existing.feedback_config) === JSON.stringify(config)) return existing;
      throw new StudioHttpError(
        400,
        `Feedback config already exists for "${key}" (${JSON.stringify(existing.feedback_config)}): change it with PATCH /feedback-configs (the SDK's updateFeedbackConfig).`,
      );
    }
    this.#db
      .prepare(
        "INSERT INTO feedback_configs (feedback_key, id, feedback_config, is_lower_score_better, modified_at) VALUES (?, ?, ?, ?, ?)",
      )
      .run(key, randomUUID(), JSON.stringify(config), toFlag(isLowerScoreBetter), studioNow());
    return this.get(key) as StudioFeedbackConfig;
  }

  /** Replaces a key's config and/or direction; a key without one is a 404. */
  update(key: string, config?: FeedbackConfig, isLowerScoreBetter?: boolean | null): StudioFeedbackConfig {
    const existing = this.require(key);
    this.#db
      .prepare(
        "UPDATE feedback_configs SET feedback_config = ?, is_lower_score_better = ?, modified_at = ? WHERE feedback_key = ?",
      )
      .run(
        JSON.stringify(config ?? existing.feedback_config),
        isLowerScoreBetter === undefined
          ? toFlag(existing.is_lower_score_better)
          : toFlag(isLowerScoreBetter),
        studioNow(),
        key,
      );
    return this.require(key);
  }

  /** The config with this id, or `undefined`. */
  byId(id: string): StudioFeedbackConfig | undefined {
    const row = this.#db.prepare("SELECT * FROM feedback_configs WHERE id = ?").get(id);
    return row === undefined ? undefined : this.#toConfig(row);
  }

  /** A key's config, or a 404 that says how to create one. */
  require(key: string): StudioFeedbackConfig {
    const config = this.get(key);
    if (config === undefined) {
      throw new StudioHttpError(
        404,
        `No feedback config for "${key}": create one with POST /feedback-configs (the SDK's createFeedbackConfig).`,
      );
    }
    return config;
  }

  /** Deletes a key's config (404 if there is none). */
  delete(key: string): void {
    this.require(key);
    this.#db.prepare("DELETE FROM feedback_configs WHERE feedback_key = ?").run(key);
  }

  /** Configs by key name, with offset/limit paging. */
  list(query: FeedbackConfigListQuery): StudioFeedbackConfig[] {
    const where: string[] = [];
    const params: SQLInputValue[] = [];
    if (query.keys !== undefined && query.keys.length > 0) {
      where.push(`feedback_key IN (${query.keys.map(() => "?").join(", ")})`);
      params.push(...query.keys);
    }
    if (query.nameContains !== undefined) {
      where.push("instr(lower(feedback_key), lower(?)) > 0");
      params.push(query.nameContains);
    }
    const sql = `SELECT * FROM feedback_configs ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY feedback_key LIMIT ? OFFSET ?`;
    return this.#db
      .prepare(sql)
      .all(...params, query.limit, query.offset)
      .map((row) => this.#toConfig(row));
  }

  /**
   * Checks a feedback against its key's stored config and against the config it carries (a token's
   * or the SDK's `feedbackConfig`); a carried config of a key that has none yet becomes the key's.
   */
  enforce(key: string, carried: unknown, fields: RatedFields, where: string): void {
    // `where` names the carried config if it is malformed; the checks name the key themselves.
    const stored = this.get(key)?.feedback_config;
    const own = carried === undefined || carried === null ? undefined : toFeedbackConfig(carried, where);
    if (stored !== undefined) checkAgainstConfig(key, stored, fields);
    if (own !== undefined) {
      checkAgainstConfig(key, own, fields);
      if (stored === undefined) this.create(key, own);
    }
  }

  #toConfig(row: Record<string, unknown>): StudioFeedbackConfig {
    return {
      id: String(row.id),
      feedback_key: String(row.feedback_key),
      feedback_config: JSON.parse(String(row.feedback_config)) as FeedbackConfig,
      tenant_id: this.#tenantId,
      modified_at: String(row.modified_at),
      is_lower_score_better: row.is_lower_score_better === null ? null : row.is_lower_score_better === 1,
    };
  }
}

function toFlag(value: boolean | null | undefined): number | null {
  return value === undefined || value === null ? null : value ? 1 : 0;
}
