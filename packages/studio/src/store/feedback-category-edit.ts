import { StudioHttpError } from "../http/studio-http-error.ts";
import { type FeedbackCategory, type FeedbackConfig, toFeedbackConfig } from "./feedback-config-store.ts";

/**
 * A categorical config with `add` categories added and the categories of the `remove` values
 * taken out, as `addFeedbackCategories` / `removeFeedbackCategories` ask (`PATCH
 * /feedback-configs` with `add_categories` / `remove_categories`). The other categories and
 * `allows_multiple_categories` are kept. As in LangSmith, an added value or label must not clash
 * with one there, a removed value must be there, and at least one category must remain (the rule
 * a new config is held to, feedback-config-store.ts); a config
 * that is not categorical has no categories to change. Each of these is a 422 naming it.
 */
export function editFeedbackCategories(
  config: FeedbackConfig,
  add: unknown,
  remove: unknown,
  key: string,
): FeedbackConfig {
  const where = `PATCH /feedback-configs for "${key}"`;
  if (config.type !== "categorical") {
    throw new StudioHttpError(
      422,
      `${where}: the config is ${config.type}, so it has no categories to add or remove; replace it with "feedback_config" (updateFeedbackConfig).`,
    );
  }
  let categories = [...(config.categories ?? [])];
  if (add !== undefined && add !== null) {
    if (!Array.isArray(add)) {
      throw new StudioHttpError(
        422,
        `${where}: "add_categories" is a list such as [{"value": 2, "label": "good"}].`,
      );
    }
    // The new categories are checked as a config of their own, then against the ones there.
    const added =
      toFeedbackConfig({ type: "categorical", categories: add }, `${where}: add_categories`).categories ?? [];
    for (const category of added) {
      const clash = categories.find(
        (c) => c.value === category.value || (category.label != null && c.label === category.label),
      );
      if (clash !== undefined) {
        throw new StudioHttpError(
          422,
          `${where}: category ${shown(category)} clashes with ${shown(clash)}; values and labels must be new.`,
        );
      }
    }
    categories = [...categories, ...added];
  }
  if (remove !== undefined && remove !== null) {
    if (!Array.isArray(remove) || remove.some((v) => typeof v !== "number")) {
      throw new StudioHttpError(
        422,
        `${where}: "remove_categories" is a list of category values such as [0, 2].`,
      );
    }
    for (const value of remove as number[]) {
      if (!categories.some((c) => c.value === value)) {
        throw new StudioHttpError(
          422,
          `${where}: no category has the value ${value} (the values are ${categories.map((c) => c.value).join(", ")}).`,
        );
      }
    }
    categories = categories.filter((c) => !(remove as number[]).includes(c.value));
    if (categories.length < 1) {
      throw new StudioHttpError(
        422,
        `${where}: at least one category must remain, as a new config needs one; to stop the key's feedback, delete its config.`,
      );
    }
  }
  return { ...config, categories };
}

function shown(category: FeedbackCategory): string {
  return category.label == null ? String(category.value) : `${category.value} (${category.label})`;
}
