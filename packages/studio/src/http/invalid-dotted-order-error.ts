import { StudioHttpError } from "./studio-http-error.ts";

/** What a dotted order looks like, for error messages. */
export const DOTTED_ORDER_FORMAT =
  "<YYYYMMDDTHHMMSSffffff>Z<run id> segments joined by dots, root first, the last one ending with the run's own id";

// One segment: the run's start time in microseconds, 'Z', the run's id (as the SDK writes it).
const segmentPattern = /^\d{8}T\d{12}Z([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/** A run whose `dotted_order` is not its place in its trace: a 422 that names the run and the format. */
export class InvalidDottedOrderError extends StudioHttpError {
  readonly code = "invalid-dotted-order";
  /** The run the dotted order was sent with. */
  readonly runId: string;

  constructor(where: string, runId: string, dottedOrder: string, why: string) {
    super(
      422,
      `${where}: "dotted_order" ${JSON.stringify(dottedOrder)} of run ${runId} ${why}; expected ${DOTTED_ORDER_FORMAT} (the SDK's RunTree sets it, or leave it out and send parent_run_id).`,
      { run_id: runId, dotted_order: dottedOrder },
    );
    this.name = "InvalidDottedOrderError";
    this.runId = runId;
  }
}

/**
 * Throws {@link InvalidDottedOrderError} unless `dottedOrder` is segments of
 * `<YYYYMMDDTHHMMSSffffff>Z<uuid>` joined by dots whose last id is `runId` (as LangSmith, which
 * refuses the run): the studio finds a run's subtree, ancestors and start by these segments.
 */
export function assertDottedOrder(dottedOrder: string, runId: string, where: string): void {
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
  const last = segments.at(-1)?.slice(-36).toLowerCase();
  if (last !== runId.toLowerCase()) {
    throw new InvalidDottedOrderError(where, runId, dottedOrder, `ends with the id ${last}, not the run's`);
  }
}
