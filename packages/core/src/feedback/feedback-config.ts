import { backendError, isNotFound, sdkCall } from "../tracing/sdk-call.ts";
import { type TraceClient, traceClientFromEnv } from "../tracing/trace-client.ts";
import { FeedbackInvalidError } from "./feedback-invalid-error.ts";

/** One category of a categorical config: the score it stands for, and its label. */
export interface FeedbackCategory {
  value: number;
  label?: string;
}

/**
 * What feedback of one key may hold, as LangSmith's `feedback_config`: a `continuous` score
 * (between `min` and `max` when set), a `categorical` one (one of `categories`, whose labels are
 * the accepted values), or `freeform` (a value or comment, no score).
 */
export type FeedbackConfig =
  | { type: "continuous"; min?: number; max?: number }
  | { type: "categorical"; categories: FeedbackCategory[]; allows_multiple_categories?: boolean }
  | { type: "freeform" };

/** Configs that hold for a key the backend has none for: `rating` is a 1–5 score. */
export const DEFAULT_FEEDBACK_CONFIGS: Readonly<Record<string, FeedbackConfig>> = Object.freeze({
  rating: { type: "continuous", min: 1, max: 5 },
});

/** The score and value a config is checked against. */
export interface RatedFields {
  score?: number | boolean;
  value?: unknown;
}

/**
 * Throws a {@link FeedbackInvalidError} when feedback does not fit its key's config, saying what
 * would: a continuous score outside `[min, max]`, a categorical score or label that is not a
 * category, a score on freeform feedback. A comment alone always fits.
 *
 * @example
 * checkFeedbackConfig("rating", DEFAULT_FEEDBACK_CONFIGS.rating, { score: 999 }); // throws: 1 to 5
 */
export function checkFeedbackConfig(key: string, config: FeedbackConfig, fields: RatedFields): void {
  const score = typeof fields.score === "boolean" ? (fields.score ? 1 : 0) : fields.score;
  const details = { key, score: fields.score, config };
  if (config.type === "continuous") {
    if (score === undefined) return;
    const { min, max } = config;
    if ((min !== undefined && score < min) || (max !== undefined && score > max)) {
      throw new FeedbackInvalidError(
        `Feedback "${key}": score ${score} is outside ${min ?? "-∞"}–${max ?? "+∞"} (the key's continuous feedback config): give a score from ${min ?? "-∞"} to ${max ?? "+∞"}.`,
        { details },
      );
    }
    return;
  }
  if (config.type === "freeform") {
    if (score !== undefined) {
      throw new FeedbackInvalidError(
        `Feedback "${key}" is freeform (the key's feedback config): give a value or a comment, not a score (got ${score}).`,
        { details },
      );
    }
    return;
  }
  const allowed = config.categories.map((c) =>
    c.label === undefined ? `${c.value}` : `${c.value} (${c.label})`,
  );
  if (score !== undefined && !config.categories.some((c) => c.value === score)) {
    throw new FeedbackInvalidError(
      `Feedback "${key}": score ${score} is not one of its categories (the key's categorical feedback config allows ${allowed.join(", ")}).`,
      { details },
    );
  }
  const labels = config.categories.flatMap((c) => (c.label === undefined ? [] : [c.label]));
  const { value } = fields;
  if (value === undefined || labels.length === 0) return;
  const given = Array.isArray(value) && config.allows_multiple_categories === true ? value : [value];
  const unknown = given.filter((v) => typeof v !== "string" || !labels.includes(v));
  if (unknown.length > 0) {
    throw new FeedbackInvalidError(
      `Feedback "${key}": value ${JSON.stringify(unknown[0])} is not one of its categories (the key's categorical feedback config allows ${labels.map((l) => JSON.stringify(l)).join(", ")}).`,
      { details: { ...details, value } },
    );
  }
}

/**
 * The score a categorical config gives a label: feedback given as `{ value: "right" }` on a key
 * whose categories include `{ value: 1, label: "right" }` scores 1, as LangSmith records it, so
 * that statistics over scores count it. Undefined for any other config or value.
 */
export function categoryScore(config: FeedbackConfig | undefined, value: unknown): number | undefined {
  if (config?.type !== "categorical" || typeof value !== "string") return undefined;
  return config.categories.find((c) => c.label === value)?.value;
}

/**
 * The config of a feedback key: the one the backend stores (LangSmith or the studio, through
 * `listFeedbackConfigs`), else {@link DEFAULT_FEEDBACK_CONFIGS}, else `undefined` (anything goes).
 * A backend without the endpoint counts as having none.
 */
export async function readFeedbackConfig(
  key: string,
  options: { client?: TraceClient } = {},
): Promise<FeedbackConfig | undefined> {
  const { client } = options.client ?? traceClientFromEnv();
  try {
    for await (const stored of client.listFeedbackConfigs({ feedbackKeys: [key], limit: 1 })) {
      if (stored.feedback_key === key) return fromWire(stored.feedback_config);
    }
  } catch (error) {
    // Older servers lack the endpoint: they enforce nothing, so the defaults are all there is.
    if (!isNotFound(error))
      throw backendError(error, options.client?.url ?? "", `read the config of feedback "${key}"`);
  }
  return DEFAULT_FEEDBACK_CONFIGS[key];
}

/**
 * Stores the config of a feedback key on the backend (created, or replaced if the key has one);
 * from then on the backend and `feedback()` refuse feedback that does not fit it.
 *
 * @example
 * await setFeedbackConfig("verdict", { type: "categorical", categories: [{ value: 1, label: "right" }, { value: 0, label: "wrong" }] });
 */
export async function setFeedbackConfig(
  key: string,
  config: FeedbackConfig,
  options: { client?: TraceClient } = {},
): Promise<void> {
  checkConfigShape(key, config);
  const { client, url } = options.client ?? traceClientFromEnv();
  const existing = await sdkCall(url, `read the config of feedback "${key}"`, async () => {
    for await (const stored of client.listFeedbackConfigs({ feedbackKeys: [key], limit: 1 })) {
      if (stored.feedback_key === key) return stored;
    }
    return undefined;
  });
  await sdkCall(url, `store the config of feedback "${key}"`, () =>
    existing === undefined
      ? client.createFeedbackConfig({ feedbackKey: key, feedbackConfig: config })
      : client.updateFeedbackConfig(key, { feedbackConfig: config }),
  );
}

function checkConfigShape(key: string, config: FeedbackConfig): void {
  if (config.type === "continuous") {
    const { min, max } = config;
    for (const bound of [min, max]) {
      if (bound !== undefined && !Number.isFinite(bound)) {
        throw new FeedbackInvalidError(`Feedback config of "${key}": min and max must be finite numbers.`);
      }
    }
    if (min !== undefined && max !== undefined && min > max) {
      throw new FeedbackInvalidError(`Feedback config of "${key}": min (${min}) is above max (${max}).`);
    }
  } else if (config.type === "categorical") {
    const values = config.categories.map((c) => c.value);
    if (values.length === 0 || new Set(values).size !== values.length || !values.every(Number.isFinite)) {
      throw new FeedbackInvalidError(
        `Feedback config of "${key}": give at least one category, each with a distinct numeric value, e.g. [{ value: 1, label: "right" }, { value: 0, label: "wrong" }].`,
      );
    }
  }
}

/** A config as the SDK returns it (nulls for unset fields) in Catena's shape. */
function fromWire(raw: {
  type: string;
  min?: number | null;
  max?: number | null;
  categories?: Array<{ value: number; label?: string | null }> | null;
  allows_multiple_categories?: boolean;
}): FeedbackConfig | undefined {
  if (raw.type === "continuous") {
    return {
      type: "continuous",
      ...(raw.min == null ? {} : { min: raw.min }),
      ...(raw.max == null ? {} : { max: raw.max }),
    };
  }
  if (raw.type === "categorical") {
    return {
      type: "categorical",
      categories: (raw.categories ?? []).map((c) =>
        c.label == null ? { value: c.value } : { value: c.value, label: c.label },
      ),
      ...(raw.allows_multiple_categories === true ? { allows_multiple_categories: true } : {}),
    };
  }
  return raw.type === "freeform" ? { type: "freeform" } : undefined;
}
