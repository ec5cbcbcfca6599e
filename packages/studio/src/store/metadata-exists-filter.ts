import type { Literal } from "./filter-parser.ts";
import type { RunFilterContext } from "./run-filter-context.ts";

/**
 * `exists(metadata, "key")`: the run's metadata has the key, whatever its value (null included).
 * LangSmith's documented form for "runs that carry this metadata".
 */
export function compileExists(ctx: RunFilterContext, field: string, key: Literal): string {
  if (field !== "metadata" || typeof key !== "string" || key === "") {
    return ctx.fail(`exists() takes metadata and a quoted key: exists(metadata, "customer_id")`);
  }
  ctx.params.push(`$.metadata.${JSON.stringify(key)}`);
  return `json_type(${ctx.validExtra}, ?) IS NOT NULL`;
}
