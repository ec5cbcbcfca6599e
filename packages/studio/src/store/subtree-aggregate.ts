/**
 * SQL for a figure of a run's subtree as the run view shows it (run-view.ts): `aggregate` of
 * `column` over the runs of its trace whose dotted order starts with the run's own (a range on the
 * runs_trace index, '~' sorting after every character a dotted order holds). A run sent without a
 * trace id or dotted order counts its own value only.
 *
 * @example
 * subtreeAggregate("r", "SUM", "total_tokens") // the tokens of r and everything below it
 */
export function subtreeAggregate(alias: string, aggregate: "SUM" | "MIN", column: string): string {
  const subtree = `(SELECT ${aggregate}(u.${column}) FROM runs AS u WHERE u.trace_id = ${alias}.trace_id
      AND u.dotted_order >= ${alias}.dotted_order AND u.dotted_order < ${alias}.dotted_order || '~')`;
  return `(CASE WHEN ${alias}.trace_id IS NULL OR ${alias}.dotted_order IS NULL THEN ${alias}.${column} ELSE ${subtree} END)`;
}
