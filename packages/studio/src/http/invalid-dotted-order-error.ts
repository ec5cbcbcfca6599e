import { StudioHttpError } from "./studio-http-error.ts";

/** What a dotted order looks like, for error messages. */
export const DOTTED_ORDER_FORMAT =
  "<YYYYMMDDTHHMMSSffffff>Z<run id> segments joined by dots, root first, the last one ending with the run's own id";

// One segment: the run's start time in microseconds, 'Z', the run's id (as the SDK writes it).
const segmentPattern = /^\d{8}T\d{12}Z([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/** A run whose `dotted_order` is not its place in its trace: a 422 that names the run and the format. */
export class InvalidDottedOrderError extends StudioHttpError {
  /** The run the dotted order was sent with. */
  readonly runId: string;

  constructor(where: string, runId: string, dottedOrder: string, why: string) {
    super(
      422,
      `${where}: "dotted_order" ${JSON.stringify(dottedOrder)} of run ${runId} ${why}; expected ${DOTTED_ORDER_FORMAT} (the SDK's RunTree sets it, or leave it out and send parent_run_id).`,
      { code: "invalid-dotted-order", run_id: runId, dotted_order: dottedOrder },
    );
    this.name = "InvalidDottedOrderError";
    this.runId = runId;
  }
}

/** The ids a run states besides its dotted order, which must name the same trace and parent. */
export interface RunLineage {
  /** `trace_id` as sent: the id of the dotted order's first segment (the root). */
  traceId?: string | undefined;
  /** `parent_run_id` as sent (`null`: a root): the id of the segment before the run's own. */
  parentRunId?: string | null | undefined;
}

/** What a run whose lineage disagrees with its dotted order should send instead, in SDK terms. */
const LINEAGE_FIX =
  "create the run with `parent_run` (or `parent.createChild(...)`, or `RunTree.fromHeaders(...)` across processes) so its dotted_order is the parent's followed by its own segment, or send a dotted_order whose segment before the run's own is the parent's";

/**
 * Throws {@link InvalidDottedOrderError} unless `dottedOrder` is segments of
 * `<YYYYMMDDTHHMMSSffffff>Z<uuid>` joined by dots whose last id is `runId`, and unless the
 * `trace_id` and `parent_run_id` sent with it (when sent) are its first id and the one before the
 * last: the studio finds a run's subtree, ancestors, trace and start by these segments, so a run
 * whose segments name another root or parent would sit in two places at once.
 *
 * One exception, where LangSmith refuses and the studio stores: a one-segment dotted order with a
 * `parent_run_id`. The SDK's `new RunTree({ parent_run_id })` (a trace continued from a bare id,
 * without `parent_run`) sends exactly that, its own id as `trace_id`; refusing it would lose the
 * user's runs, so such a run is kept as its own trace that names its parent.
 */
export function assertDottedOrder(
  dottedOrder: string,
  runId: string,
  where: string,
  lineage: RunLineage = {},
): void {
  const segments = dottedOrder.split(".");
  for (const [i, segment] of segments.entries()) {
    if (!segmentPattern.test(segment)) {
      throw new InvalidDottedOrderError(
        where,
        runId,
        dottedOrder,
        `has a malformed segment ${i + 1} (${JSON.stringify(segment.slice(0, 80))})`,
      );
    }
  }
  const ids = segments.map((segment) => segment.slice(-36).toLowerCase());
  const last = ids.at(-1);
  if (last !== runId.toLowerCase()) {
    throw new InvalidDottedOrderError(where, runId, dottedOrder, `ends with the id ${last}, not the run's`);
  }
  const { traceId, parentRunId } = lineage;
  if (traceId !== undefined && traceId.toLowerCase() !== ids[0]) {
    throw new InvalidDottedOrderError(
      where,
      runId,
      dottedOrder,
      `starts with the root ${ids[0]} but "trace_id" is ${traceId} (send the root's id as trace_id, or ${LINEAGE_FIX})`,
    );
  }
  if (ids.length === 1) return; // a root, or a trace continued from a bare parent id (see above)
  const parent = ids.at(-2) ?? null;
  if (parentRunId !== undefined && (parentRunId?.toLowerCase() ?? null) !== parent) {
    throw new InvalidDottedOrderError(
      where,
      runId,
      dottedOrder,
      `names the parent ${parent} but "parent_run_id" is ${JSON.stringify(parentRunId)} (${LINEAGE_FIX})`,
    );
  }
}
