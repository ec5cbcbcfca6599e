import type { Literal } from "./filter-parser.ts";
import type { RunFilterContext } from "./run-filter-context.ts";

/** `in(tags, ["a", "b"])`: the run carries at least one of the tags. */
export function compileTagsIn(ctx: RunFilterContext, values: Literal): string {
  if (!Array.isArray(values) || values.length === 0 || values.some((v) => typeof v !== "string")) {
    return ctx.fail(`in(tags, [...]) takes a non-empty list of quoted tags: in(tags, ["beta", "v2"])`);
  }
  ctx.params.push(JSON.stringify(values));
  return `EXISTS (SELECT 1 FROM json_each(${ctx.alias}.tags) WHERE value IN (SELECT value FROM json_each(?)))`;
}
